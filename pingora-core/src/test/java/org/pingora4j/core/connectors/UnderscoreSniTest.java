package org.pingora4j.core.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;

/** Regression: an SNI with an underscore once hung the connect (the JDK rejects it as a server name). */
final class UnderscoreSniTest {

    @Test
    void sniWithAnUnderscoreConnectsOrFailsButNeverHangs() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (TestOrigin origin = TestOrigin.tls("server")) {
            HttpPeer peer = new HttpPeer(origin.address(), true, "origin_1.example.com")
                    .withOptions(o -> o.ca(CaCertificates.fromPemFile(TestCerts.file("ca.crt"))));
            CompletableFuture<Established> future = new TransportConnector(new ConnectorOptions(128))
                    .newStream(peer, group.next());
            // The certificate has DNS:origin_1.example.com: expected to connect. Actual: never completes.
            Established established = future.get(5, TimeUnit.SECONDS);
            assertEquals("CN=localhost", established.ssl().peerSubject());
            assertTrue(established.channel().isActive());
            established.channel().close().syncUninterruptibly();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
