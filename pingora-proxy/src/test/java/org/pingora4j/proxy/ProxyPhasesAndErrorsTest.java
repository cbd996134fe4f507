package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.io.OutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.protocols.http.ResponseHeader;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.PeerOptions;

/** Phases in order and once each, and what the client gets when something fails. */
final class ProxyPhasesAndErrorsTest {

    /** Records every phase it runs through, in order, and the error logging saw. */
    static class RecordingProxy implements ProxyHttp<List<String>> {
        final String upstream;
        final UnaryOperator<PeerOptions.Builder> options;
        final List<List<String>> requests = new CopyOnWriteArrayList<>();
        final List<PingoraException> errors = new CopyOnWriteArrayList<>();
        final Semaphore logged = new Semaphore(0);

        RecordingProxy(String upstream, UnaryOperator<PeerOptions.Builder> options) {
            this.upstream = upstream;
            this.options = options;
        }

        @Override
        public List<String> newCtx() {
            List<String> phases = new CopyOnWriteArrayList<>();
            phases.add("newCtx");
            requests.add(phases);
            return phases;
        }

        @Override
        public CompletionStage<Boolean> requestFilter(Session session, List<String> ctx) {
            ctx.add("requestFilter");
            if (session.reqHeader().header("X-Replay-Ok") != null) {
                session.setRetryNonIdempotent(true);
            }
            if (session.reqHeader().path().equals("/teapot")) {
                ctx.add("responded");
                return session.respond(418, "short and stout, " + session.reqHeader().queryParams().get("who") + "\n");
            }
            if (session.reqHeader().uri().startsWith("/deny")) {
                throw PingoraException.httpStatus(403, "no token");
            }
            if (session.reqHeader().uri().startsWith("/forbidden")) {
                ctx.add("responded");
                return session.respondError(403).thenApply(v -> true);
            }
            return CONTINUE;
        }

        @Override
        public CompletionStage<HttpPeer> upstreamPeer(Session session, List<String> ctx) {
            ctx.add("upstreamPeer");
            return CompletableFuture.completedStage(new HttpPeer(upstream, false, "").withOptions(options));
        }

        @Override
        public PingoraException failToConnect(Session session, HttpPeer peer, List<String> ctx, PingoraException e) {
            ctx.add("failToConnect");
            return e;
        }

        @Override
        public void connectedToUpstream(Session session, boolean reused, HttpPeer peer, Digest digest, List<String> ctx) {
            ctx.add("connectedToUpstream");
        }

        @Override
        public CompletionStage<Void> upstreamRequestFilter(Session session, RequestHeader upstreamRequest, List<String> ctx) {
            ctx.add("upstreamRequestFilter");
            return DONE;
        }

        @Override
        public ByteBuf requestBodyFilter(Session session, ByteBuf body, boolean endOfStream, List<String> ctx) {
            if (endOfStream) {
                ctx.add("requestBodyFilter(end)");
            }
            return body;
        }

        @Override
        public void upstreamResponseFilter(Session session, ResponseHeader upstreamResponse, List<String> ctx) {
            ctx.add("upstreamResponseFilter");
        }

        @Override
        public CompletionStage<Void> responseFilter(Session session, ResponseHeader response, List<String> ctx) {
            ctx.add("responseFilter");
            response.insertHeader("X-Proxied", "yes");
            return DONE;
        }

        @Override
        public ByteBuf responseBodyFilter(Session session, ByteBuf body, boolean endOfStream, List<String> ctx) {
            if (endOfStream) {
                ctx.add("responseBodyFilter(end)");
            }
            return body;
        }

        @Override
        public PingoraException errorWhileProxy(HttpPeer peer, Session session, PingoraException e, List<String> ctx,
                                                boolean clientReused) {
            ctx.add("errorWhileProxy");
            return ProxyHttp.super.errorWhileProxy(peer, session, e, ctx, clientReused);
        }

        @Override
        public CompletionStage<Integer> failToProxy(Session session, PingoraException e, List<String> ctx) {
            ctx.add("failToProxy");
            return ProxyHttp.super.failToProxy(session, e, ctx);
        }

        @Override
        public void logging(Session session, PingoraException error, List<String> ctx) {
            ctx.add("logging");
            if (error != null) {
                errors.add(error);
            }
            logged.release();
        }

        List<String> awaitPhases(int request) throws InterruptedException {
            assertTrue(logged.tryAcquire(1, 10, TimeUnit.SECONDS), "logging ran");
            return List.copyOf(requests.get(request));
        }
    }

    @Test
    void phasesRunInOrderExactlyOnceOnSuccess() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            RecordingProxy proxy = new RecordingProxy(origin.address(), o -> o);
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                HttpResponse<String> response = fixture.get("/items");
                assertEquals(200, response.statusCode());
                assertEquals("yes", response.headers().firstValue("X-Proxied").orElse(null));
                assertEquals(List.of("newCtx", "requestFilter", "upstreamPeer", "connectedToUpstream",
                        "upstreamRequestFilter", "upstreamResponseFilter", "responseFilter",
                        "responseBodyFilter(end)", "logging"), proxy.awaitPhases(0));
                assertTrue(proxy.errors.isEmpty());
            }
        }
    }

    @Test
    void aRequestFilterCanAnswerItself() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            RecordingProxy proxy = new RecordingProxy(origin.address(), o -> o);
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                assertEquals(403, fixture.get("/forbidden").statusCode());
                assertEquals(List.of("newCtx", "requestFilter", "responded", "logging"), proxy.awaitPhases(0));
                assertEquals(0, origin.requests());
                assertEquals(200, fixture.get("/fine").statusCode(), "the client connection is still usable");
            }
        }
    }

    @Test
    void aFilterAnswersWithTextInOneCall() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            RecordingProxy proxy = new RecordingProxy(origin.address(), o -> o);
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                HttpResponse<String> r = fixture.get("/teapot?who=me%20too");
                assertEquals(418, r.statusCode());
                assertEquals("short and stout, [me too]\n", r.body());
                assertEquals("text/plain; charset=utf-8", r.headers().firstValue("content-type").orElse(null));
                assertEquals(List.of("newCtx", "requestFilter", "responded", "logging"), proxy.awaitPhases(0));
                assertEquals(0, origin.requests());
            }
        }
    }

    @Test
    void aFilterRefusalIsAnAnswerNotAFailureAndKeepsTheConnection() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            RecordingProxy proxy = new RecordingProxy(origin.address(), o -> o);
            try (ProxyFixture fixture = ProxyFixture.of(proxy);
                 Socket client = new Socket("127.0.0.1", fixture.port())) {
                client.setSoTimeout(10_000);
                OutputStream out = client.getOutputStream();
                InputStream in = client.getInputStream();
                out.write("GET /deny HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                String refused = readHead(in);
                assertTrue(refused.startsWith("HTTP/1.1 403 "), refused);
                assertFalse(refused.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), refused);
                out.write("GET /fine HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                assertTrue(readHead(in).startsWith("HTTP/1.1 200 "), "the same connection serves the next request");
                proxy.awaitPhases(1);
                assertEquals(1, origin.requests(), "only the allowed request went upstream");
                assertEquals(1, fixture.service.failures().answered());
                assertEquals(0, fixture.service.failures().failed(), "no ERROR line for a deliberate answer");
            }
        }
    }

    /** Reads a response head and skips its Content-Length body. */
    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after: " + head);
            }
            head.append((char) b);
        }
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: (\\d+)").matcher(head);
        int n = length.find() ? Integer.parseInt(length.group(1)) : 0;
        in.readNBytes(n);
        return head.toString();
    }

    @Test
    void refusedConnectIs502AndLoggingStillRunsOnce() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        RecordingProxy proxy = new RecordingProxy("127.0.0.1:" + closedPort, o -> o);
        try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
            HttpResponse<String> response = fixture.get("/x");
            assertEquals(502, response.statusCode());
            // A refused connect is retried by default (nothing was sent), up to max_retries.
            List<String> expected = new java.util.ArrayList<>(List.of("newCtx", "requestFilter"));
            for (int i = 0; i <= fixture.service.maxRetries(); i++) {
                expected.addAll(List.of("upstreamPeer", "failToConnect"));
            }
            expected.addAll(List.of("failToProxy", "logging"));
            assertEquals(expected, proxy.awaitPhases(0));
            assertEquals(ErrorType.CONNECT_REFUSED, proxy.errors.get(0).type());
        }
    }

    @Test
    void anUpstreamTimeoutIs504() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> { });
            RecordingProxy proxy = new RecordingProxy(origin.address(), o -> o.readTimeout(Duration.ofMillis(200)));
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                assertEquals(504, fixture.get("/slow").statusCode());
                List<String> phases = proxy.awaitPhases(0);
                assertEquals(List.of("errorWhileProxy", "failToProxy", "logging"), phases.subList(phases.size() - 3, phases.size()));
                assertEquals(ErrorType.READ_TIMEDOUT, proxy.errors.get(0).type());
            }
        }
    }

    @Test
    void malformedRequestsAre400AndTheConnectionIsClosed() throws Exception {
        try (TestOrigin origin = TestOrigin.plain();
             ProxyFixture fixture = ProxyFixture.of(new RecordingProxy(origin.address(), o -> o))) {
            assertTrue(fixture.raw("THIS IS NOT HTTP\r\n\r\n").startsWith("HTTP/1.1 400 "));
            assertTrue(fixture.raw("GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n").startsWith("HTTP/1.1 400 "));
            assertEquals(0, origin.requests());
        }
    }

    @Test
    void aHeaderSectionTooLargeIs431() throws Exception {
        try (TestOrigin origin = TestOrigin.plain();
             ProxyFixture fixture = ProxyFixture.of(new RecordingProxy(origin.address(), o -> o))) {
            String response = fixture.raw("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(70 * 1024) + "\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 431 "), response);
            assertTrue(fixture.raw("GET /" + "u".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n").startsWith("HTTP/1.1 414 "));
            assertEquals(0, origin.requests());
        }
    }

    @Test
    void requestSmugglingShapesAre400AndClose() throws Exception {
        try (TestOrigin origin = TestOrigin.plain();
             ProxyFixture fixture = ProxyFixture.of(new RecordingProxy(origin.address(), o -> o))) {
            String both = fixture.raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(both.startsWith("HTTP/1.1 400 "), both);
            assertFalse(both.contains("HTTP/1.1 200"), "the smuggled request was not served: " + both);

            String twoLengths = fixture.raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde");
            assertTrue(twoLengths.startsWith("HTTP/1.1 400 "), twoLengths);

            String badChunk = fixture.raw("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n");
            assertTrue(badChunk.startsWith("HTTP/1.1 400 "), badChunk);
            assertFalse(badChunk.contains("HTTP/1.1 200"), badChunk);
            assertEquals(0, origin.requests(), "no request, smuggled or not, reached the origin whole");
        }
    }

    @Test
    void aClientsConnectionCloseDoesNotCostTheUpstreamConnection() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            List<String> upstreamConnectionHeaders = new CopyOnWriteArrayList<>();
            origin.responder(ex -> {
                upstreamConnectionHeaders.add(String.valueOf(ex.request().headers().get("Connection")));
                ex.reply(HttpResponseStatus.OK, "hello");
            });
            RecordingProxy proxy = new RecordingProxy(origin.address(), o -> o);
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                for (int i = 0; i < 3; i++) {
                    String response = fixture.raw("GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    assertTrue(response.startsWith("HTTP/1.1 200 "), response);
                    assertTrue(response.toLowerCase().contains("connection: close"), response);
                }
                assertEquals(1, origin.accepted(), "pingora issue #706: the client's close must stay with the client");
                assertEquals(List.of("null", "null", "null"), upstreamConnectionHeaders);
            }
        }
    }

    /** An origin whose every connection answers its first request and silently drops the second. */
    private static TestOrigin dropsTheSecondRequestOfEachConnection() throws Exception {
        TestOrigin origin = TestOrigin.plain();
        origin.responder(ex -> {
            if (ex.requestOnConnection() == 1) {
                ex.reply(HttpResponseStatus.OK, "body:" + ex.request().content().toString(java.nio.charset.StandardCharsets.UTF_8));
            } else {
                ex.ctx().close();
            }
        });
        return origin;
    }

    @Test
    void aGetOnAReusedConnectionTheOriginDroppedIsRetriedOnAFreshOne() throws Exception {
        try (TestOrigin origin = dropsTheSecondRequestOfEachConnection()) {
            RecordingProxy proxy = new RecordingProxy(origin.address(), o -> o);
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                assertEquals(200, fixture.get("/first").statusCode());
                assertEquals(200, fixture.get("/second").statusCode());
                proxy.awaitPhases(0);
                List<String> phases = proxy.awaitPhases(1);
                assertTrue(phases.contains("errorWhileProxy"), phases.toString());
                assertEquals(2, phases.stream().filter("upstreamPeer"::equals).count(), "one retry: " + phases);
                assertEquals(2, origin.accepted());
                assertTrue(proxy.errors.isEmpty(), "a retried request succeeds: " + proxy.errors);
            }
        }
    }

    @Test
    void aPostOnAReusedConnectionThatDiedIsNotSentTwice() throws Exception {
        try (TestOrigin origin = dropsTheSecondRequestOfEachConnection()) {
            RecordingProxy proxy = new RecordingProxy(origin.address(), o -> o);
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                assertEquals(200, fixture.get("/first").statusCode());
                java.net.http.HttpRequest post = java.net.http.HttpRequest.newBuilder(fixture.uri("/second"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("once only")).build();
                HttpResponse<String> second = fixture.client.send(post, HttpResponse.BodyHandlers.ofString());
                assertEquals(502, second.statusCode(), "the origin may have acted on the POST: not replayed");
                proxy.awaitPhases(0);
                List<String> phases = proxy.awaitPhases(1);
                assertEquals(1, phases.stream().filter("upstreamPeer"::equals).count(), "no retry: " + phases);
                assertEquals(1, origin.accepted(), "no second connection was opened for it");
                assertEquals(2, origin.requests(), "the origin saw the POST exactly once");
            }
        }
    }

    @Test
    void aPostThatOptsInIsReplayedOnAFreshConnection() throws Exception {
        try (TestOrigin origin = dropsTheSecondRequestOfEachConnection()) {
            RecordingProxy proxy = new RecordingProxy(origin.address(), o -> o);
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                assertEquals(200, fixture.get("/first").statusCode());
                java.net.http.HttpRequest post = java.net.http.HttpRequest.newBuilder(fixture.uri("/second"))
                        .header("X-Replay-Ok", "1")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("replay me")).build();
                HttpResponse<String> second = fixture.client.send(post, HttpResponse.BodyHandlers.ofString());
                assertEquals(200, second.statusCode());
                assertEquals("body:replay me", second.body(), "the buffered body was sent again");
                proxy.awaitPhases(0);
                List<String> phases = proxy.awaitPhases(1);
                assertEquals(2, phases.stream().filter("upstreamPeer"::equals).count(), "one retry: " + phases);
                assertEquals(2, origin.accepted());
            }
        }
    }

    @Test
    void aPingoraExceptionThrownByAPlainPhaseKeepsItsStatus() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            RecordingProxy proxy = new RecordingProxy(origin.address(), o -> o) {
                @Override
                public void upstreamResponseFilter(Session session, ResponseHeader upstreamResponse, List<String> ctx) {
                    throw PingoraException.httpStatus(403, "the upstream's answer is not for this client");
                }
            };
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                assertEquals(403, fixture.get("/denied").statusCode());
                proxy.awaitPhases(0);
                assertEquals(ErrorType.HTTP_STATUS, proxy.errors.get(0).type());
            }
        }
    }

    @Test
    void errorStatusMapping() {
        assertEquals(502, ErrorStatus.of(PingoraException.upstream(ErrorType.CONNECT_REFUSED, "x", null)));
        assertEquals(502, ErrorStatus.of(PingoraException.upstream(ErrorType.DNS_FAILED, "x", null)));
        assertEquals(502, ErrorStatus.of(PingoraException.upstream(ErrorType.INVALID_CERT, "x", null)));
        assertEquals(504, ErrorStatus.of(PingoraException.upstream(ErrorType.CONNECT_TIMEDOUT, "x", null)));
        assertEquals(504, ErrorStatus.of(PingoraException.upstream(ErrorType.READ_TIMEDOUT, "x", null)));
        assertEquals(400, ErrorStatus.of(PingoraException.downstream(ErrorType.H1_ERROR, "x", null)));
        assertEquals(0, ErrorStatus.of(PingoraException.downstream(ErrorType.CONNECTION_CLOSED, "x", null)));
        assertEquals(500, ErrorStatus.of(PingoraException.internal(ErrorType.INTERNAL_ERROR, "x", null)));
        assertEquals(418, ErrorStatus.of(PingoraException.httpStatus(418, "teapot")));
    }
}
