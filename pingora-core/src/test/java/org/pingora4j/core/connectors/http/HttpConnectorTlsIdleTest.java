package org.pingora4j.core.connectors.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslHandler;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;

/** A TLS origin that ends the session (close_notify) while the connection idles in the pool. */
final class HttpConnectorTlsIdleTest {

    private final ConnectorFixture fixture = new ConnectorFixture();
    private final HttpConnector connector = new HttpConnector(new ConnectorOptions(128));

    @AfterEach
    void tearDown() {
        connector.close();
        fixture.close();
    }

    @Test
    void closeNotifyWhileIdleTakesTheConnectionOutOfThePool() throws Exception {
        AtomicReference<ChannelHandlerContext> server = new AtomicReference<>();
        try (TestOrigin origin = TestOrigin.tls("server")) {
            origin.responder(ex -> {
                server.set(ex.ctx());
                ex.reply(HttpResponseStatus.OK, "hello");
            });
            HttpPeer peer = new HttpPeer(origin.address(), true, "localhost")
                    .withOptions(o -> o.ca(CaCertificates.fromPemFile(TestCerts.file("ca.crt"))));
            ConnectorFixture.Result first = fixture.exchange(connector, peer);
            assertEquals(1, connector.stats().pool().idle());

            // close_notify only: the origin keeps its TCP connection open, so only the TLS alert
            // can tell the client that this connection is finished.
            SslHandler tls = server.get().pipeline().get(SslHandler.class);
            assertTrue(tls.closeOutbound().await(10, TimeUnit.SECONDS));
            ConnectorFixture.awaitClosed(first.session());
            assertEquals(0, connector.stats().pool().idle());
            assertEquals(1, connector.stats().idleClosed());

            ConnectorFixture.Result second = fixture.exchange(connector, peer);
            assertEquals(200, second.status());
            assertFalse(second.digest().reused(), "a new connection, not the finished one");
            assertEquals(2, origin.accepted());
        }
    }
}
