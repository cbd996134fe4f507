package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;

/**
 * The upstream read timeout measures how long the origin takes to answer a request it has fully
 * received: it must not run while a (slow) client is still uploading the body. On the embedded
 * loop's frozen clock.
 */
final class Http1ClientSessionReadTimeoutTest {

    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private final EmbeddedUpstream upstream = new EmbeddedUpstream(o -> o.readTimeout(READ_TIMEOUT));
    private final Http1ClientSession session = upstream.session;

    @AfterEach
    void tearDown() {
        upstream.close();
    }

    private void writeChunk(String s, boolean last) {
        session.writeRequestBody(Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII), last);
    }

    @Test
    void theReadTimeoutWaitsUntilTheRequestBodyIsFullyWritten() throws Exception {
        session.writeRequestHeader(ConnectorFixture.get("/upload", "x"), false);
        // What a proxy does: wait for the response head while the body still streams.
        CompletableFuture<HttpResponse> head = session.readResponseHeader();

        upstream.advance(READ_TIMEOUT.multipliedBy(10));
        assertFalse(head.isDone(), "a slow upload is not an origin that does not answer");
        writeChunk("part one", false);
        upstream.advance(READ_TIMEOUT.multipliedBy(10));
        assertFalse(head.isDone());

        upstream.gate.hold();
        writeChunk("the end", true);
        upstream.advance(READ_TIMEOUT.multipliedBy(10));
        assertFalse(head.isDone(), "the last write was issued but has not reached the socket");

        upstream.gate.open();
        upstream.advance(READ_TIMEOUT.minusSeconds(1));
        assertFalse(head.isDone(), "the timeout runs from the moment the request was written");
        upstream.advance(Duration.ofSeconds(2));
        assertTrue(head.isCompletedExceptionally());
        ExecutionException e = Assertions.assertThrows(ExecutionException.class, head::get);
        assertEquals(ErrorType.READ_TIMEDOUT, ((PingoraException) e.getCause()).type());
    }

    @Test
    void aPeerWithDefaultOptionsGivesUpOnAnOriginSilentForSixtySeconds() throws Exception {
        try (EmbeddedUpstream defaults = new EmbeddedUpstream()) {
            assertEquals(Duration.ofSeconds(60), defaults.session.peer().options().readTimeout());
            defaults.session.writeRequestHeader(ConnectorFixture.get("/", "x"), true);
            CompletableFuture<HttpResponse> head = defaults.session.readResponseHeader();
            defaults.advance(Duration.ofSeconds(59));
            assertFalse(head.isDone(), "an origin that answers within nginx's 60 s is waited for");
            defaults.advance(Duration.ofSeconds(2));
            ExecutionException e = Assertions.assertThrows(ExecutionException.class, head::get);
            assertEquals(ErrorType.READ_TIMEDOUT, ((PingoraException) e.getCause()).type(),
                    "a hung origin no longer holds the request forever");
        }
    }

    @Test
    void aRequestWithoutBodyStartsTheReadTimeoutWhenTheHeadIsWritten() throws Exception {
        session.writeRequestHeader(ConnectorFixture.get("/", "x"), true);
        CompletableFuture<HttpResponse> head = session.readResponseHeader();
        upstream.advance(READ_TIMEOUT.minusSeconds(1));
        assertFalse(head.isDone());
        upstream.advance(Duration.ofSeconds(2));
        ExecutionException e = Assertions.assertThrows(ExecutionException.class, head::get);
        assertEquals(ErrorType.READ_TIMEDOUT, ((PingoraException) e.getCause()).type());
    }

    @Test
    void theReadTimeoutRestartsForEachBodyRead() throws Exception {
        session.writeRequestHeader(ConnectorFixture.get("/", "x"), true);
        CompletableFuture<HttpResponse> head = session.readResponseHeader();
        upstream.receive("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
        assertEquals(200, head.getNow(null).status().code());
        session.readResponseBody().getNow(null).release();
        var rest = session.readResponseBody();
        upstream.advance(READ_TIMEOUT.minusSeconds(1));
        assertFalse(rest.isDone());
        upstream.advance(Duration.ofSeconds(2));
        assertTrue(rest.isCompletedExceptionally());
        assertFalse(upstream.channel.isOpen(), "a timed-out read closes the connection");
    }
}
