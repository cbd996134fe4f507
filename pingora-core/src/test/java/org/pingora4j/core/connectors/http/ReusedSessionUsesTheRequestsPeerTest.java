package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * A pooled connection serves the next request with that request's peer options, not those of the
 * peer it was opened for: pingora sets the current peer's read and write timeouts on a reused
 * stream and pools it with the idle timeout of the peer that releases it. Peers that differ only in
 * timeouts share one reuse key, so this is the ordinary case, e.g. a longer read timeout for one
 * slow path. On the embedded loop's frozen clock.
 */
final class ReusedSessionUsesTheRequestsPeerTest {

    private final EmbeddedUpstream upstream = new EmbeddedUpstream(
            o -> o.readTimeout(Duration.ofSeconds(5)).idleTimeout(Duration.ofSeconds(60)));

    @AfterEach
    void tearDown() {
        upstream.close();
    }

    /** Serves one GET on the first session and pools the connection. */
    private void firstExchangeAndRelease() throws Exception {
        Http1ClientSession first = upstream.session;
        first.writeRequestHeader(ConnectorFixture.get("/", "x"), true);
        CompletableFuture<HttpResponse> head = first.readResponseHeader();
        upstream.receive("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals(200, head.getNow(null).status().code());
        first.readResponseBody().getNow(null).release();
        assertTrue(upstream.release(), "pooled for the first peer's 60 s");
    }

    private Http1ClientSession checkout(HttpPeer peer) {
        assertEquals(upstream.peer.reuseKey(), peer.reuseKey(), "timeouts are not in the reuse key");
        Http1ClientSession next = upstream.connector.getHttpSession(peer, upstream.channel.eventLoop()).getNow(null);
        assertTrue(next != null && next.reused(), "the pooled connection is handed out");
        assertSame(peer, next.peer());
        return next;
    }

    @Test
    void theReadTimeoutIsTheCurrentPeers() throws Exception {
        firstExchangeAndRelease();
        HttpPeer slowPath = upstream.peer.withOptions(o -> o.readTimeout(Duration.ofSeconds(30)));
        Http1ClientSession next = checkout(slowPath);

        next.writeRequestHeader(ConnectorFixture.get("/slow", "x"), true);
        CompletableFuture<HttpResponse> head = next.readResponseHeader();
        upstream.advance(Duration.ofSeconds(29));
        assertFalse(head.isDone(), "the opener's 5 s do not apply to this request");
        upstream.advance(Duration.ofSeconds(2));
        ExecutionException e = Assertions.assertThrows(ExecutionException.class, head::get);
        assertEquals(ErrorType.READ_TIMEDOUT, ((PingoraException) e.getCause()).type());
        assertTrue(e.getCause().getMessage().contains("PT30S"), e.getCause().getMessage());
    }

    @Test
    void theIdleTimeoutIsTheReleasingPeers() throws Exception {
        firstExchangeAndRelease();
        HttpPeer noPooling = upstream.peer.withOptions(o -> o.idleTimeout(Duration.ZERO));
        Http1ClientSession next = checkout(noPooling);

        next.writeRequestHeader(ConnectorFixture.get("/", "x"), true);
        CompletableFuture<HttpResponse> head = next.readResponseHeader();
        upstream.receive("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
        assertEquals(200, head.getNow(null).status().code());
        next.readResponseBody().getNow(null).release();
        CompletableFuture<Boolean> pooled = upstream.connector.releaseHttpSession(next);
        upstream.channel.runPendingTasks();
        assertFalse(pooled.getNow(null), "idle timeout 0 of the releasing peer: closed, not pooled");
        assertFalse(upstream.channel.isOpen());
    }
}
