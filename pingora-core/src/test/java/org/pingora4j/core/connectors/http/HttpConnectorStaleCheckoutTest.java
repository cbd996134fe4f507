package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import org.pingora4j.core.connectors.http.v1.Http1Internals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * A pooled connection can die between the idle watcher's last look and a checkout on another
 * thread. The connector checks again when it takes one: a dead one is discarded and the next one
 * (or a new connection) is handed out, so the caller never gets a connection known to be dead.
 */
final class HttpConnectorStaleCheckoutTest {

    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private final EmbeddedUpstream live = new EmbeddedUpstream();
    private final EmbeddedUpstream stale = new EmbeddedUpstream(live);

    @AfterEach
    void tearDown() {
        stale.close();
        live.close();
    }

    /** One full exchange on {@code upstream}'s first session, then back to the pool. */
    private static void exchangeAndPool(EmbeddedUpstream upstream) throws Exception {
        Http1ClientSession session = upstream.session;
        session.writeRequestHeader(ConnectorFixture.get("/", "x"), true);
        session.readResponseHeader();
        upstream.receive(RESPONSE);
        session.readResponseBody().getNow(null).release();
        assertTrue(upstream.release(), "pooled");
    }

    @Test
    void aPooledConnectionFoundDeadAtCheckoutIsDiscardedForTheNextOne() throws Exception {
        exchangeAndPool(live);
        exchangeAndPool(stale);
        assertEquals(2, live.connector.stats().pool().idle());
        // Closed without any event reaching the pipeline: what the checkout sees when the close
        // is still on its way to the idle watcher.
        stale.channel.unsafe().closeForcibly();
        assertFalse(stale.channel.isActive());

        // Asked from the stale connection's loop, so the pool offers that one first.
        CompletableFuture<Http1ClientSession> got = live.connector.getHttpSession(live.peer, stale.channel.eventLoop());
        Http1ClientSession session = got.getNow(null);
        assertSame(live.channel, Http1Internals.channel(session), "the live connection was handed out");
        assertTrue(session.reused());
        assertEquals(1, live.connector.stats().staleOnCheckout());
        assertEquals(0, live.connector.stats().pool().idle());
        assertFalse(stale.channel.isOpen());
    }

    @Test
    void theOnlyPooledConnectionFoundDeadAtCheckoutIsReplacedByANewOne() throws Exception {
        try (TestOrigin origin = TestOrigin.plain(); ConnectorFixture fixture = new ConnectorFixture();
             EmbeddedUpstream dead = new EmbeddedUpstream(new HttpPeer(origin.address(), false, ""))) {
            exchangeAndPool(dead);
            dead.channel.unsafe().closeForcibly();

            ConnectorFixture.Result result = fixture.exchange(dead.connector, dead.peer);
            assertEquals(200, result.status());
            assertEquals("hello", result.body());
            assertFalse(result.digest().reused(), "a new connection");
            assertEquals(1, dead.connector.stats().staleOnCheckout());
            assertEquals(1, origin.accepted());
            assertFalse(dead.channel.isOpen());
        }
    }
}
