package org.pingora4j.core.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Name lookups block a thread each: two slow ones must run side by side, not one after the other. */
final class PeerResolverConcurrencyTest {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void twoSlowLookupsRunAtTheSameTime() throws Exception {
        CountDownLatch bothStarted = new CountDownLatch(2);
        // Each lookup returns only once the other one started too: run one after the other, the
        // first waits in vain and fails.
        PeerResolver.Lookup slow = host -> {
            bothStarted.countDown();
            try {
                if (!bothStarted.await(10, TimeUnit.SECONDS)) {
                    throw new UnknownHostException(host + ": the other lookup never started alongside");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new UnknownHostException(host + ": interrupted");
            }
            return new InetAddress[] {InetAddress.getByAddress(host, new byte[] {127, 0, 0, 1})};
        };
        AddressResolverGroup<InetSocketAddress> resolvers = PeerResolver.withLookup(Map.of(), slow);
        try {
            AddressResolver<InetSocketAddress> resolver = resolvers.getResolver(group.next());
            Future<InetSocketAddress> a = resolver.resolve(InetSocketAddress.createUnresolved("a.test", 80));
            Future<InetSocketAddress> b = resolver.resolve(InetSocketAddress.createUnresolved("b.test", 80));
            assertEquals("a.test", a.get(15, TimeUnit.SECONDS).getHostString());
            assertEquals("b.test", b.get(15, TimeUnit.SECONDS).getHostString());
        } finally {
            resolvers.close();
        }
    }

    @Test
    void overridesAndIpLiteralsNeverReachTheLookup() throws Exception {
        PeerResolver.Lookup none = host -> {
            throw new AssertionError("looked up " + host);
        };
        AddressResolverGroup<InetSocketAddress> resolvers = PeerResolver.withLookup(
                Map.of("api.example.com", InetAddress.getByAddress(new byte[] {127, 0, 0, 2})), none);
        try {
            AddressResolver<InetSocketAddress> resolver = resolvers.getResolver(group.next());
            assertEquals("127.0.0.2", resolver.resolve(InetSocketAddress.createUnresolved("api.example.com", 80))
                    .get(10, TimeUnit.SECONDS).getAddress().getHostAddress());
            assertEquals("127.0.0.3", resolver.resolve(InetSocketAddress.createUnresolved("127.0.0.3", 80))
                    .get(10, TimeUnit.SECONDS).getAddress().getHostAddress());
        } finally {
            resolvers.close();
        }
    }
}
