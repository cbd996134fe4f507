package org.pingora4j.core.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * Building a TLS context reads trust roots and keys: on a cache miss it runs on the blocking pool,
 * never on the event loop that asked, and the connect goes on once the context is ready.
 */
final class TlsContextOffLoopTest {

    /** An executor whose tasks run only when the test says. */
    private static final class HeldExecutor implements Executor {
        final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();

        @Override
        public void execute(Runnable task) {
            tasks.add(task);
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final HeldExecutor builds = new HeldExecutor();
    private final TransportConnector connector = new TransportConnector(new ConnectorOptions(128),
            PeerResolver.system(), NioSocketChannel.class, builds);

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void aContextCacheMissIsBuiltOffTheLoopAndTheConnectThenProceeds() throws Exception {
        try (TestOrigin origin = TestOrigin.tls("server")) {
            HttpPeer peer = new HttpPeer(origin.address(), true, "localhost")
                    .withOptions(o -> o.ca(CaCertificates.fromPemFile(TestCerts.file("ca.crt"))));
            EventLoop loop = group.next();
            CompletableFuture<Established> first = loop.submit(() -> connector.newStream(peer, loop)).get(10, TimeUnit.SECONDS);
            assertEquals(1, builds.tasks.size(), "the build was handed to the blocking pool");
            assertFalse(first.isDone(), "nothing connects before the context exists");

            builds.tasks.poll().run();
            Established established = first.get(10, TimeUnit.SECONDS);
            assertEquals("CN=localhost", established.ssl().peerSubject());
            established.channel().close().syncUninterruptibly();

            CompletableFuture<Established> second = loop.submit(() -> connector.newStream(peer, loop)).get(10, TimeUnit.SECONDS);
            Established again = second.get(10, TimeUnit.SECONDS);
            assertTrue(builds.tasks.isEmpty(), "a cached context is used at once");
            again.channel().close().syncUninterruptibly();
        }
    }
}
