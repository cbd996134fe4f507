package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;

/**
 * The push mode of {@link Http1ClientSession}, the proxy's way: parts handed to a listener as they
 * are decoded, held while paused, writes flushed only when asked, failures to the listener. On an
 * embedded channel, so every read and write happens exactly when the test says.
 */
final class Http1ClientSessionPushTest {

    private final EmbeddedUpstream upstream = new EmbeddedUpstream(o -> o.readTimeout(Duration.ofSeconds(5)));
    private final Http1ClientSession session = upstream.session;
    private final Recorder recorder = new Recorder();

    @AfterEach
    void tearDown() {
        recorder.releaseAll();
        upstream.close();
    }

    /** Records what the listener is told, one line per call; bodies are kept (and freed at the end). */
    private static final class Recorder implements Http1ClientSession.ResponseListener {

        final List<String> events = new ArrayList<>();
        final List<HttpContent> bodies = new ArrayList<>();
        Consumer<HttpResponse> onHead = h -> { };
        PingoraException failure;

        @Override
        public void onResponseHead(HttpResponse head) {
            events.add("head " + head.status().code());
            onHead.accept(head);
        }

        @Override
        public void onResponseBody(HttpContent content, boolean last) {
            events.add("body " + content.content().toString(StandardCharsets.US_ASCII) + (last ? " (last)" : ""));
            bodies.add(content);
        }

        @Override
        public void onFailure(PingoraException error) {
            events.add("failed " + error.type());
            failure = error;
        }

        @Override
        public void onReadComplete() {
            events.add("read complete");
        }

        void releaseAll() {
            bodies.forEach(HttpContent::release);
            bodies.clear();
        }
    }

    private void sendGet() {
        session.streamResponse(recorder);
        session.sendRequestHead(ConnectorFixture.get("/", "x"), true, true);
    }

    @Test
    void partsArePushedAsDecodedAndTheEndLeavesTheConnectionReusable() throws Exception {
        sendGet();
        upstream.receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        assertEquals(List.of("head 200", "body hello (last)"), recorder.events,
                "nothing after the end, not even the read's completion");
        assertNull(upstream.notReusableReason());
        assertTrue(upstream.release());
    }

    @Test
    void interimResponsesStayBetweenTheSessionAndTheOrigin() {
        sendGet();
        upstream.receive("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n");
        assertEquals(List.of("read complete"), recorder.events);
        upstream.receive("HTTP/1.1 204 No Content\r\n\r\n");
        assertEquals(List.of("read complete", "head 204", "body  (last)"), recorder.events);
    }

    @Test
    void pausedPartsWaitInOrderUntilResumed() {
        recorder.onHead = h -> session.pauseResponse();
        sendGet();
        upstream.receive("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n");
        upstream.receive("3\r\ntwo\r\n0\r\n\r\n");
        assertEquals(List.of("head 200"), recorder.events, "a paused session hands nothing on, not even read completions");

        session.resumeResponse();
        assertEquals(List.of("head 200", "body one", "body two", "body  (last)"), recorder.events);
    }

    @Test
    void aHeadWrittenWithoutFlushWaitsForTheFlushAndGoesOutWithTheBody() {
        HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
        post.headers().set(HttpHeaderNames.HOST, "x").set(HttpHeaderNames.CONTENT_LENGTH, 4);
        session.streamResponse(recorder);
        session.sendRequestHead(post, false, false);
        session.sendRequestBody(bytes("body"), true, false);
        assertNull(upstream.channel.readOutbound(), "not flushed: nothing on the wire yet");

        session.flush();
        StringBuilder wire = new StringBuilder();
        for (ByteBuf b = upstream.channel.readOutbound(); b != null; b = upstream.channel.readOutbound()) {
            wire.append(b.toString(StandardCharsets.US_ASCII));
            b.release();
        }
        assertEquals("POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: 4\r\n\r\nbody", wire.toString());
    }

    @Test
    void aConnectionClosedBeforeAnyResponseByteFailsTheListenerRetryablyOnlyIfReused() {
        sendGet();
        upstream.channel.close();
        assertEquals(List.of("failed " + ErrorType.CONNECTION_CLOSED), recorder.events);
        assertEquals(RetryType.REUSED_ONLY, recorder.failure.retryType());
    }

    @Test
    void aReleaseInsideTheHeadCallbackStopsDeliveryAndFreesTheRest() throws Exception {
        recorder.onHead = h -> upstream.connector.releaseHttpSession(session);
        sendGet();
        upstream.receive("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
        assertEquals(List.of("head 200"), recorder.events, "the body that came in the same read is freed, not delivered");
    }

    @Test
    void theReadTimeoutRunsFromTheLastResponseBytesNotFromTheRequest() {
        sendGet();
        upstream.advance(Duration.ofSeconds(4));
        upstream.receive("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
        upstream.advance(Duration.ofSeconds(4));
        assertEquals(List.of("head 200", "body hello", "read complete"), recorder.events,
                "8 s after the request, but only 4 s after the last bytes");
        upstream.advance(Duration.ofSeconds(2));
        assertEquals("failed " + ErrorType.READ_TIMEDOUT, recorder.events.get(recorder.events.size() - 1));
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }
}
