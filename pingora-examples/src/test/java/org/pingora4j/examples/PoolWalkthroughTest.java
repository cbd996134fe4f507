package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.connectors.PeerResolver;
import org.pingora4j.core.connectors.http.HttpConnector;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;

/** The chapter's internals snippets: the first fetch connects, the second takes the pooled connection. */
final class PoolWalkthroughTest {

    @Test
    void theSecondFetchReusesTheReleasedConnection() throws Exception {
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (DemoOrigin origin = DemoOrigin.start();
             HttpConnector connector = HttpConnector.builder(new ConnectorOptions(128))
                     .resolver(PeerResolver.withOverrides(ExampleFixture.LOOPBACK_NAMES)).build()) {
            HttpPeer peer = new HttpPeer("api.example.com:" + origin.port(), true, "api.example.com")
                    .withOptions(o -> o.idleTimeout(Duration.ofSeconds(60))
                            .ca(CaCertificates.fromPemFile(DemoOrigin.demoCaFile())));
            assertFalse(PoolWalkthrough.fetchOnce(connector, peer, loops.next(), "/one").reused());
            assertTrue(PoolWalkthrough.fetchOnce(connector, peer, loops.next(), "/two").reused());
            assertEquals(1, origin.connections());
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
