package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * When a session is given back while something is still in flight: a write not yet on the wire, a
 * read still waiting, a read the caller cancelled. On an embedded channel, so each in-flight state is
 * held exactly as long as the test says.
 */
final class Http1ClientSessionReleaseTest {

    private static final String RESPONSE = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

    private final EmbeddedUpstream upstream = new EmbeddedUpstream();
    private final Http1ClientSession session = upstream.session;

    @AfterEach
    void tearDown() {
        upstream.close();
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    /** Sends a head announcing a body, and reads the whole response, which the origin sent early. */
    private void headSentAndResponseRead() throws Exception {
        assertTrue(session.writeRequestHeader(ConnectorFixture.get("/upload", "x"), false).isDone());
        CompletableFuture<HttpResponse> head = session.readResponseHeader();
        upstream.receive(RESPONSE);
        assertEquals(200, head.getNow(null).status().code());
        HttpContent body = session.readResponseBody().getNow(null);
        assertInstanceOf(LastHttpContent.class, body);
        body.release();
    }

    @Test
    void aConnectionWhoseLastWriteIsStillPendingIsNotPooled() throws Exception {
        headSentAndResponseRead();
        upstream.gate.hold();
        CompletableFuture<Void> last = session.writeRequestBody(bytes("the end of the body"), true);
        assertFalse(last.isDone(), "the write is in flight");

        assertEquals("request not fully sent", upstream.notReusableReason());
        assertFalse(upstream.release(), "a connection with a write in flight is never pooled");
        assertFalse(upstream.channel.isOpen());
        assertEquals(0, upstream.connector.stats().pool().idle());
        assertTrue(last.isCompletedExceptionally(), "the pending write fails once the connection is closed");
    }

    @Test
    void aConnectionWhoseLastWriteCompletedIsPooled() throws Exception {
        headSentAndResponseRead();
        upstream.gate.hold();
        CompletableFuture<Void> last = session.writeRequestBody(bytes("the end of the body"), true);
        upstream.gate.open();
        assertTrue(last.isDone() && !last.isCompletedExceptionally());

        assertNull(upstream.notReusableReason());
        assertTrue(upstream.release());
        assertTrue(upstream.channel.isOpen());
        assertEquals(1, upstream.connector.stats().pool().idle());
    }

    @Test
    void aReadPendingAtReleaseFails() throws Exception {
        session.writeRequestHeader(ConnectorFixture.get("/", "x"), true);
        CompletableFuture<HttpResponse> head = session.readResponseHeader();
        assertFalse(head.isDone());

        assertFalse(upstream.release());
        assertTrue(head.isCompletedExceptionally(), "the reader is told, not left waiting forever");
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, head::get);
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertFalse(upstream.channel.isOpen());
    }

    @Test
    void aChunkArrivingForACancelledReadGoesToTheNextRead() throws Exception {
        session.writeRequestHeader(ConnectorFixture.get("/", "x"), true);
        CompletableFuture<HttpResponse> head = session.readResponseHeader();
        upstream.receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        assertEquals(200, head.getNow(null).status().code());
        CompletableFuture<HttpContent> cancelled = session.readResponseBody();
        assertTrue(cancelled.cancel(false));

        upstream.receive("hello");
        HttpContent chunk = session.readResponseBody().getNow(null);
        try {
            assertInstanceOf(LastHttpContent.class, chunk);
            assertEquals("hello", chunk.content().toString(StandardCharsets.US_ASCII), "no byte of the body was lost");
        } finally {
            chunk.release();
        }
        assertNull(upstream.notReusableReason(), "the stream is intact: the connection stays usable");
        assertTrue(upstream.release());
    }

    @Test
    void aChunkForACancelledReadIsFreedWhenTheSessionIsReleased() throws Exception {
        session.writeRequestHeader(ConnectorFixture.get("/", "x"), true);
        session.readResponseHeader();
        upstream.receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
        session.readResponseBody().cancel(false);

        ByteBuf body = bytes("hello");
        upstream.receive(body);
        assertTrue(body.refCnt() > 0, "held for the next read");
        // The whole response came off the socket: the connection itself is clean and reusable.
        assertNull(upstream.notReusableReason());
        assertTrue(upstream.release());
        assertEquals(0, body.refCnt(), "released with the session, not leaked");
    }
}
