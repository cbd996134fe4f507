package org.pingora4j.core.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.PeerOptions;

/**
 * The handshake timeout the connector puts on each TLS connection: the peer's connection timeout,
 * else the 10 s default, never Netty's "0 = wait forever". Read back from the established
 * connection's TLS handler, so no test waits for a timeout to pass.
 */
final class TlsHandshakeTimeoutTest {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final TransportConnector connector = new TransportConnector(new ConnectorOptions(128));

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private long handshakeTimeoutMillis(UnaryOperator<PeerOptions.Builder> options) throws Exception {
        try (TestOrigin origin = TestOrigin.tls("server")) {
            HttpPeer peer = new HttpPeer(origin.address(), true, "localhost")
                    .withOptions(o -> options.apply(o.ca(CaCertificates.fromPemFile(TestCerts.file("ca.crt")))));
            Established established = connector.newStream(peer, group.next()).get(10, TimeUnit.SECONDS);
            try {
                return established.channel().pipeline().get(SslHandler.class).getHandshakeTimeoutMillis();
            } finally {
                established.channel().close().syncUninterruptibly();
            }
        }
    }

    @Test
    void withoutAConnectionTimeoutTheHandshakeIsBoundedByTheDefault() throws Exception {
        assertEquals(PeerOptions.DEFAULT_TLS_HANDSHAKE_TIMEOUT.toMillis(), handshakeTimeoutMillis(o -> o.connectionTimeout(null)));
        assertEquals(10_000, handshakeTimeoutMillis(o -> o.connectionTimeout(null)));
        assertEquals(5_000, handshakeTimeoutMillis(o -> o), "by default, the connect timeout's");
    }

    @Test
    void theConnectionTimeoutBoundsTheHandshakeWhenSet() throws Exception {
        assertEquals(2_500, handshakeTimeoutMillis(o -> o.connectionTimeout(Duration.ofMillis(2500))));
    }
}
