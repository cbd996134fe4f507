package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pingora4j.core.connectors.http.ConnectorFixture.await;

import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/** Exchanges beyond the happy path: failures and their retry marking, timeouts, large bodies, affinity. */
final class HttpConnectorExchangeTest {

    private final ConnectorFixture fixture = new ConnectorFixture();
    private final HttpConnector connector = new HttpConnector(new ConnectorOptions(128));

    @AfterEach
    void tearDown() {
        connector.close();
        fixture.close();
    }

    private static HttpPeer peer(TestOrigin origin) {
        return new HttpPeer(origin.address(), false, "");
    }

    private static PingoraException failureOf(java.util.concurrent.CompletableFuture<?> future) {
        Exception e = assertThrows(Exception.class, () -> await(future));
        PingoraException p = PingoraException.find(e);
        if (p == null) {
            throw new AssertionError("not a PingoraException", e);
        }
        return p;
    }

    @Test
    void aReusedConnectionThatDiesBeforeTheResponseIsMarkedRetryable() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            // The origin serves one request per connection, then drops the next without answering:
            // what a pooled connection the origin closed a moment too late looks like.
            origin.responder(ex -> {
                if (ex.requestOnConnection() == 1) {
                    ex.reply(HttpResponseStatus.OK, "hello");
                } else {
                    ex.ctx().close();
                }
            });
            fixture.exchange(connector, peer(origin));
            Http1ClientSession session = await(connector.getHttpSession(peer(origin), fixture.loop()));
            assertTrue(session.reused());
            await(session.writeRequestHeader(ConnectorFixture.get("/", "x"), true));
            PingoraException error = failureOf(session.readResponseHeader());
            connector.releaseHttpSession(session);

            assertEquals(ErrorType.CONNECTION_CLOSED, error.type());
            assertEquals(RetryType.REUSED_ONLY, error.retryType());
            assertTrue(error.decideReuse(session.reused()).retry(), "reused: retry on a fresh connection");
            assertTrue(error.getMessage().contains("before responding"), error.getMessage());
            assertTrue(error.getMessage().contains("reused connection, request 2"), error.getMessage());
        }
    }

    @Test
    void theSameFailureOnAFreshConnectionIsNotRetried() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.ctx().close());
            Http1ClientSession session = await(connector.getHttpSession(peer(origin), fixture.loop()));
            assertFalse(session.reused());
            await(session.writeRequestHeader(ConnectorFixture.get("/", "x"), true));
            PingoraException error = failureOf(session.readResponseHeader());
            connector.releaseHttpSession(session);
            assertEquals(RetryType.REUSED_ONLY, error.retryType());
            assertFalse(error.decideReuse(session.reused()).retry());
        }
    }

    @Test
    void aFailureAfterResponseBytesIsNeverRetried() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                ex.writeRaw("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial");
                ex.ctx().close();
            });
            Http1ClientSession session = await(connector.getHttpSession(peer(origin), fixture.loop()));
            await(session.writeRequestHeader(ConnectorFixture.get("/", "x"), true));
            assertEquals(200, await(session.readResponseHeader()).status().code());
            HttpContent part = await(session.readResponseBody());
            part.release();
            PingoraException error = failureOf(session.readResponseBody());
            connector.releaseHttpSession(session);
            assertEquals(ErrorType.CONNECTION_CLOSED, error.type());
            assertEquals(RetryType.NO, error.retryType());
        }
    }

    @Test
    void aSilentUpstreamHitsTheReadTimeout() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> { });
            HttpPeer peer = peer(origin).withOptions(o -> o.readTimeout(Duration.ofMillis(200)));
            Http1ClientSession session = await(connector.getHttpSession(peer, fixture.loop()));
            await(session.writeRequestHeader(ConnectorFixture.get("/", "x"), true));
            PingoraException error = failureOf(session.readResponseHeader());
            connector.releaseHttpSession(session);
            assertEquals(ErrorType.READ_TIMEDOUT, error.type());
            assertFalse(error.retry());
            ConnectorFixture.awaitClosed(session);
            assertEquals(0, connector.stats().pool().idle());
        }
    }

    @Test
    void aMalformedResponseIsAnH1ErrorAndNotReused() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.writeRaw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"));
            Http1ClientSession session = await(connector.getHttpSession(peer(origin), fixture.loop()));
            await(session.writeRequestHeader(ConnectorFixture.get("/", "x"), true));
            PingoraException error = failureOf(session.readResponseHeader());
            connector.releaseHttpSession(session);
            assertTrue(error.type() == ErrorType.H1_ERROR || error.type() == ErrorType.INVALID_HTTP_HEADER, error.toString());
            assertEquals(RetryType.NO, error.retryType());
        }
    }

    @Test
    void largeBodiesStreamBothWaysAndTheConnectionIsReused() throws Exception {
        int chunk = 64 * 1024;
        int chunks = 128; // 8 MiB each way
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK,
                    "x".repeat(chunks * chunk / 2) + ex.request().content().readableBytes() + "y".repeat(chunks * chunk / 2)));
            HttpRequest post = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/upload");
            post.headers().set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            Http1ClientSession session = await(connector.getHttpSession(peer(origin), fixture.loop()));
            await(session.writeRequestHeader(post, false));
            byte[] bytes = new byte[chunk];
            for (int i = 0; i < chunks; i++) {
                await(session.writeRequestBody(Unpooled.wrappedBuffer(bytes), i == chunks - 1));
            }
            assertEquals(200, await(session.readResponseHeader()).status().code());
            long received = 0;
            int parts = 0;
            boolean sawLength = false;
            while (true) {
                HttpContent content = await(session.readResponseBody());
                try {
                    received += content.content().readableBytes();
                    parts++;
                    sawLength |= content.content().toString(java.nio.charset.StandardCharsets.US_ASCII)
                            .contains(String.valueOf(chunks * chunk));
                    if (content instanceof LastHttpContent) {
                        break;
                    }
                } finally {
                    content.release();
                }
            }
            assertEquals((long) chunks * chunk + String.valueOf(chunks * chunk).length(), received);
            assertTrue(parts > 1, "the body arrived in parts, not aggregated");
            assertTrue(sawLength, "the origin received the whole request body");
            connector.releaseHttpSession(session);
            ConnectorFixture.onLoop(session.eventLoop(), () -> null);
            assertTrue(fixture.exchange(connector, peer(origin)).digest().reused());
        }
    }

    @Test
    void misuseFailsTheCallNotTheLoop() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            Http1ClientSession session = await(connector.getHttpSession(peer(origin), fixture.loop()));
            assertThrows(IllegalStateException.class, () -> await(session.readResponseHeader()));
            assertThrows(IllegalStateException.class, () -> await(session.writeRequestBody(Unpooled.buffer(1), true)));
            await(session.writeRequestHeader(ConnectorFixture.get("/", "x"), true));
            assertThrows(IllegalStateException.class, () -> await(session.writeRequestHeader(ConnectorFixture.get("/", "x"), true)));
            assertThrows(IllegalStateException.class, () -> await(session.readResponseBody()));
            assertEquals(200, await(session.readResponseHeader()).status().code());
            assertEquals("hello", ConnectorFixture.readBody(session));
            connector.releaseHttpSession(session);
            connector.releaseHttpSession(session);
            ConnectorFixture.onLoop(session.eventLoop(), () -> null);
            assertEquals(1, connector.stats().released());
        }
    }

    @Test
    void aConnectionOnTheCallersLoopIsPreferredButAnyWillDo() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            Iterator<io.netty.util.concurrent.EventExecutor> loops = fixture.group.iterator();
            EventLoop a = (EventLoop) loops.next();
            EventLoop b = (EventLoop) loops.next();
            assertNotSame(a, b);
            Http1ClientSession onA = await(connector.getHttpSession(peer(origin), a));
            Http1ClientSession onB = await(connector.getHttpSession(peer(origin), b));
            assertSame(a, onA.eventLoop());
            assertSame(b, onB.eventLoop());
            connector.releaseHttpSession(onA);
            connector.releaseHttpSession(onB);
            ConnectorFixture.onLoop(a, () -> null);
            ConnectorFixture.onLoop(b, () -> null);

            // b's connection was released last, so plain LIFO would hand it out first; a asks for its own.
            Http1ClientSession again = await(connector.getHttpSession(peer(origin), a));
            assertTrue(again.reused());
            assertSame(a, again.eventLoop());
            Http1ClientSession other = await(connector.getHttpSession(peer(origin), a));
            assertTrue(other.reused(), "no idle connection on a's loop left: b's is used rather than a new one");
            assertSame(b, other.eventLoop());
            connector.releaseHttpSession(again);
            connector.releaseHttpSession(other);
            // No request went over either connection: the origin registers them on its own loop,
            // possibly after the connects completed here. Wait for that (bounded), then count.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (origin.accepted() < 2 && System.nanoTime() - deadline < 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            assertEquals(2, origin.accepted());
            assertEquals(1, connector.stats().pool().affinityFallbacks());
        }
    }
}
