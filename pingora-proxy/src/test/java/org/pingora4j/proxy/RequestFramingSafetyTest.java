package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.EventExecutor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.protocols.http.ResponseHeader;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.TestOrigin;

/**
 * Issue #8's framing and header fixes, each against what the origin actually received: no
 * {@code Connection} token unframes a message, the framing follows the final head, and the
 * {@code Host}, version, coding and forwarding rules of RFC 9110 and RFC 9112.
 */
final class RequestFramingSafetyTest {

    /** What the origin saw of each request: method, target, Host and body. */
    private static TestOrigin recordingOrigin(List<String> seen) throws Exception {
        TestOrigin origin = TestOrigin.plain();
        origin.responder(ex -> {
            seen.add(ex.request().method() + " " + ex.request().uri() + " host=" + ex.request().headers().get("Host")
                    + " body=" + ex.request().content().toString(StandardCharsets.ISO_8859_1));
            ex.reply(HttpResponseStatus.OK, "ok");
        });
        return origin;
    }

    @Test
    void connectionNamingContentLengthCannotSmuggleTheBodyAsARequest() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestOrigin origin = recordingOrigin(seen);
             ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()))) {
            String smuggled = "GET /SMUGGLED HTTP/1.1\r\nHost: evil\r\n\r\n";
            String response = fixture.raw("POST /upload HTTP/1.1\r\nHost: good\r\nConnection: Content-Length, close\r\n"
                    + "Content-Length: " + smuggled.length() + "\r\n\r\n" + smuggled);
            assertTrue(response.startsWith("HTTP/1.1 200 "), response);
            assertEquals(List.of("POST /upload host=good body=" + smuggled), seen, "one request, its body intact");
        }
    }

    @Test
    void connectionNamingTransferEncodingOrHostKeepsTheRequestFramed() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestOrigin origin = recordingOrigin(seen);
             ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()))) {
            String response = fixture.raw("POST /c HTTP/1.1\r\nHost: good\r\nConnection: Transfer-Encoding, Host, close\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
            assertTrue(response.startsWith("HTTP/1.1 200 "), response);
            assertEquals(List.of("POST /c host=good body=hello"), seen);
        }
    }

    @Test
    void aResponseFilterDroppingContentLengthGetsAChunkedResponse() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            FilterProxy proxy = new FilterProxy(origin.address());
            proxy.responseFilter = header -> header.removeHeader("Content-Length");
            proxy.responseBodyFilter = (data, last) -> {
                data.release();
                return last ? Unpooled.copiedBuffer("rewritten, longer body", StandardCharsets.US_ASCII) : Unpooled.EMPTY_BUFFER;
            };
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                String response = fixture.raw("GET /r HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertTrue(response.toLowerCase().contains("transfer-encoding: chunked"), response);
                assertFalse(response.toLowerCase().contains("content-length"), response);
                assertTrue(response.endsWith("\r\n\r\n16\r\nrewritten, longer body\r\n0\r\n\r\n"), response);
            }
        }
    }

    @Test
    void aResponseFilterAddingContentLengthToAChunkedResponseGetsThatLength() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.writeRaw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));
            FilterProxy proxy = new FilterProxy(origin.address());
            proxy.responseFilter = header -> header.insertHeader("Content-Length", "5");
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                String response = fixture.raw("GET /r HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertTrue(response.contains("content-length: 5\r\n") || response.contains("Content-Length: 5\r\n"), response);
                assertFalse(response.toLowerCase().contains("transfer-encoding"), response);
                assertTrue(response.endsWith("\r\n\r\nhello"), response);
            }
        }
    }

    @Test
    void anUpstreamResponseWhoseConnectionNamesContentLengthIsStillFramed() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.writeRaw("HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 5\r\n\r\nhello"));
            try (ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()))) {
                String response = fixture.raw("GET /r HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertTrue(response.toLowerCase().contains("content-length: 5\r\n"), response);
                assertTrue(response.endsWith("\r\n\r\nhello"), response);
            }
        }
    }

    @Test
    void anUpstreamResponseWithBothContentLengthAndTransferEncodingIs502AndNotReused() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                if (ex.request().uri().equals("/both")) {
                    ex.writeRaw("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                            + "5\r\nhello\r\n0\r\n\r\n");
                } else {
                    ex.reply(HttpResponseStatus.OK, "fine");
                }
            });
            try (ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()))) {
                String response = fixture.raw("GET /both HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertTrue(response.startsWith("HTTP/1.1 502 "), response);
                assertEquals(200, fixture.get("/next").statusCode());
                assertEquals(2, origin.accepted(), "the connection that carried the ambiguous response was dropped");
            }
        }
    }

    @Test
    void aBodyFilterThatOutgrowsContentLengthNeverSendsMoreThanDeclared() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            FilterProxy proxy = new FilterProxy(origin.address());
            proxy.responseBodyFilter = (data, last) -> {
                data.release();
                return Unpooled.copiedBuffer("0123456789", StandardCharsets.US_ASCII); // "hello" is 5
            };
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                String response = fixture.raw("GET /r HTTP/1.1\r\nHost: x\r\n\r\n");
                assertTrue(response.toLowerCase().contains("content-length: 5\r\n"), response);
                String body = response.substring(response.indexOf("\r\n\r\n") + 4);
                assertTrue(body.length() <= 5, "never past the declared length: " + body);
                // raw() returning at all shows the connection was closed: the client sees the truncation.
                proxy.awaitLogged(1);
                assertEquals(1, proxy.errors.size(), "the request failed: " + proxy.errors);
            }
        }
    }

    @Test
    void hostRulesOfRfc9112() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestOrigin origin = recordingOrigin(seen)) {
            FilterProxy proxy = new FilterProxy(origin.address());
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                assertTrue(fixture.raw("GET / HTTP/1.1\r\n\r\n").startsWith("HTTP/1.1 400 "), "no Host");
                assertTrue(fixture.raw("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").startsWith("HTTP/1.1 400 "), "two Hosts");
                assertTrue(fixture.raw("GET / HTTP/1.1\r\nHost: a b\r\n\r\n").startsWith("HTTP/1.1 400 "), "bad Host");
                assertTrue(seen.isEmpty(), seen.toString());

                String absolute = fixture.raw("GET http://authority.example:8080/p?q=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n");
                assertTrue(absolute.startsWith("HTTP/1.1 200 "), absolute);
                assertEquals("GET /p?q=1 host=authority.example:8080 body=", seen.get(0), "the target's authority wins");
                assertEquals("authority.example:8080", proxy.hostsSeen.get(proxy.hostsSeen.size() - 1), "RequestHeader.host() agrees");

                String http10 = fixture.raw("GET /old HTTP/1.0\r\n\r\n");
                assertTrue(http10.startsWith("HTTP/1.1 200 "), http10);
                assertEquals("GET /old host=" + origin.address() + " body=", seen.get(1), "an HTTP/1.0 request gets a Host upstream");
            }
        }
    }

    @Test
    void unsupportedCodingsVersionsAndTooManyHeadersAreRefusedAndClosed() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestOrigin origin = recordingOrigin(seen);
             ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()))) {
            // raw() reads until the proxy closes: each answer below also proves the connection closed.
            String gzip = fixture.raw("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n");
            assertTrue(gzip.startsWith("HTTP/1.1 501 "), gzip);
            String version = fixture.raw("GET / HTTP/9.9\r\nHost: x\r\n\r\n");
            assertTrue(version.startsWith("HTTP/1.1 505 "), version);
            StringBuilder many = new StringBuilder("GET / HTTP/1.1\r\nHost: x\r\n");
            for (int i = 0; i < 300; i++) {
                many.append("X-H").append(i).append(": v\r\n");
            }
            String tooMany = fixture.raw(many.append("\r\n").toString());
            assertTrue(tooMany.startsWith("HTTP/1.1 431 "), tooMany);
            String te10 = fixture.raw("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
            assertTrue(te10.startsWith("HTTP/1.1 400 "), te10);
            for (String r : List.of(gzip, version, tooMany, te10)) {
                assertTrue(r.toLowerCase().contains("connection: close"), r);
            }
            assertTrue(seen.isEmpty(), "nothing reached the origin: " + seen);
            assertEquals(4, fixture.service.requestsRejected());
            assertEquals(200, fixture.get("/still-serving").statusCode());
        }
    }

    @Test
    void xForwardedForIsOneCommaJoinedLineAndCanBeDroppedAtTheEdge() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                seen.add(String.join("|", ex.request().headers().getAll("X-Forwarded-For")));
                ex.reply(HttpResponseStatus.OK, "ok");
            });
            String request = "GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.9.8.7\r\nX-Forwarded-For: 10.1.1.1\r\nConnection: close\r\n\r\n";
            try (ProxyFixture appending = new ProxyFixture(ProxyService.builder(ServerConf.defaults(), new FilterProxy(origin.address()))
                    .serverOptions(HttpServerOptions.builder().xForwardedFor(true).build()).build())) {
                appending.raw(request);
            }
            try (ProxyFixture edge = new ProxyFixture(ProxyService.builder(ServerConf.defaults(), new FilterProxy(origin.address()))
                    .serverOptions(HttpServerOptions.builder().xForwardedFor(true).dropIncomingXForwardedFor(true).build()).build())) {
                edge.raw(request);
            }
            assertEquals(List.of("10.9.8.7, 10.1.1.1, 127.0.0.1", "127.0.0.1"), seen);
        }
    }

    @Test
    void theProxysOwn204And304HaveNoContentLength() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            FilterProxy proxy = new FilterProxy(origin.address());
            proxy.requestFilter = session -> {
                int status = session.reqHeader().uri().equals("/204") ? 204 : 304;
                return session.writeResponse(ResponseHeader.build(status), Unpooled.copiedBuffer("ignored", StandardCharsets.US_ASCII))
                        .thenApply(v -> true);
            };
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                for (String path : List.of("/204", "/304")) {
                    String response = fixture.raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    assertTrue(response.startsWith("HTTP/1.1 " + path.substring(1) + " "), response);
                    assertFalse(response.toLowerCase().contains("content-length"), response);
                    assertFalse(response.toLowerCase().contains("transfer-encoding"), response);
                    assertTrue(response.endsWith("\r\n\r\n"), "no body: " + response);
                }
                assertEquals(0, origin.requests());
            }
        }
    }

    @Test
    void aFinalAnswerBeforeContinueClosesTheConnection() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            FilterProxy proxy = new FilterProxy(origin.address());
            proxy.requestFilter = session -> session.respondError(403).thenApply(v -> true);
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                // Had the proxy kept the connection, it would wait here for another request, and
                // raw() would time out instead of returning: the unsent body could be read as one.
                String response = fixture.raw("POST / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 20\r\n\r\n");
                assertTrue(response.startsWith("HTTP/1.1 403 "), response);
                assertFalse(response.contains("100 Continue"), response);
                assertTrue(response.toLowerCase().contains("connection: close"), response);
                assertEquals(0, origin.requests());
            }
        }
    }

    /**
     * A response head that records every thread touching it once {@link #handedOver}: the proxy
     * reads and edits it (hop-by-hop headers, Content-Length, the status) where it writes the
     * response, so the threads recorded are the ones that ran the write.
     */
    private static final class RecordingHead extends DefaultHttpResponse {
        final Set<Thread> touchedBy = ConcurrentHashMap.newKeySet();
        volatile boolean handedOver;

        RecordingHead(HttpResponseStatus status) {
            super(HttpVersion.HTTP_1_1, status);
        }

        private void touched() {
            if (handedOver) {
                touchedBy.add(Thread.currentThread());
            }
        }

        @Override
        public HttpResponseStatus status() {
            touched();
            return super.status();
        }

        @Override
        public HttpHeaders headers() {
            touched();
            return super.headers();
        }
    }

    @Test
    void sessionWriteResponseFromAnotherThreadHopsToTheLoop() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            FilterProxy proxy = new FilterProxy(origin.address());
            List<RecordingHead> heads = new CopyOnWriteArrayList<>();
            Set<Thread> callers = ConcurrentHashMap.newKeySet();
            proxy.requestFilter = session -> CompletableFuture.supplyAsync(() -> {
                RecordingHead head = new RecordingHead(HttpResponseStatus.TOO_MANY_REQUESTS);
                ResponseHeader header = new ResponseHeader(head);
                heads.add(head);
                callers.add(Thread.currentThread());
                head.handedOver = true;
                return session.writeResponse(header, null);
            }).thenCompose(written -> written).thenApply(v -> true);
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                assertEquals(429, fixture.get("/async").statusCode());
                assertEquals(429, fixture.get("/async-again").statusCode());
                assertEquals(0, origin.requests());

                assertEquals(2, heads.size());
                assertTrue(callers.stream().noneMatch(t -> onALoop(fixture, t)),
                        "the premise: writeResponse was called off the event loops, by " + callers);
                for (RecordingHead head : heads) {
                    assertFalse(head.touchedBy.isEmpty(), "the proxy wrote the response from the head it was given");
                    assertTrue(head.touchedBy.stream().allMatch(t -> onALoop(fixture, t)),
                            "the response was written on the event loop only, but these threads touched it: " + head.touchedBy);
                }
            }
        }
    }

    private static boolean onALoop(ProxyFixture fixture, Thread thread) {
        for (EventExecutor loop : fixture.loops) {
            if (loop.inEventLoop(thread)) {
                return true;
            }
        }
        return false;
    }
}
