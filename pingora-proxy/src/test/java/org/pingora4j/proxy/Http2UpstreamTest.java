package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.H2TestOrigin;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.PeerOptions;

/** HTTP/1.1 clients through the proxy to HTTP/2 origins: the multiplexed upstream pool. */
final class Http2UpstreamTest {

    private static final CaCertificates CA = CaCertificates.fromPemFile(TestCerts.file("ca.crt"));

    private static ProxyFixture proxy(H2UpstreamProxy p) throws Exception {
        return new ProxyFixture(ProxyService.httpProxyService(ServerConf.defaults(), p));
    }

    private static H2UpstreamProxy h2c(H2TestOrigin origin, UnaryOperator<PeerOptions.Builder> more) {
        return new H2UpstreamProxy(origin.address(), false, o -> more.apply(o.alpn(Alpn.H2)));
    }

    @Test
    void getsOverH2cShareOneConnectionAndSayHttp2() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o);
            try (ProxyFixture fixture = proxy(p)) {
                for (int i = 0; i < 5; i++) {
                    HttpResponse<String> r = fixture.get("/size/2048");
                    assertEquals(200, r.statusCode());
                    assertEquals(2048, r.body().length());
                    assertTrue(r.headers().firstValue("via").orElse("").isEmpty() || r.headers().firstValue("via").get().startsWith("2 "));
                }
                p.awaitLogged(5);
                assertEquals(1, origin.connections.get(), "five requests, one connection");
                assertTrue(p.outcomes.stream().allMatch(o -> "HTTP/2".equals(o.protocol())), p.outcomes.toString());
                assertFalse(p.outcomes.get(0).reused());
                assertTrue(p.outcomes.get(4).reused());
                assertEquals(5, fixture.service.connector().stats().sessions());
            }
        }
    }

    @Test
    void tlsOriginNegotiatesH2ThroughAlpn() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.tls(H2TestOrigin.Offer.H2_AND_H1, 100)) {
            H2UpstreamProxy p = new H2UpstreamProxy(origin.address(), true, o -> o.alpn(Alpn.H2H1).ca(CA));
            try (ProxyFixture fixture = proxy(p)) {
                assertEquals(200, fixture.get("/size/10").statusCode());
                assertEquals(200, fixture.get("/size/10").statusCode());
                p.awaitLogged(2);
                assertEquals("HTTP/2", p.outcomes.get(0).protocol());
                assertEquals(1, origin.connections.get());
                assertEquals(0, origin.h1Requests.get());
            }
        }
    }

    @Test
    void h2h1PeerFallsBackToHttp11AndRemembersIt() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.tls(H2TestOrigin.Offer.H1_ONLY, 100)) {
            H2UpstreamProxy p = new H2UpstreamProxy(origin.address(), true, o -> o.alpn(Alpn.H2H1).ca(CA));
            try (ProxyFixture fixture = proxy(p)) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, fixture.get("/size/10").statusCode());
                }
                p.awaitLogged(3);
                assertTrue(p.outcomes.stream().allMatch(o -> "HTTP/1.1".equals(o.protocol())), p.outcomes.toString());
                assertEquals(3, origin.h1Requests.get());
                assertEquals(1, origin.connections.get(), "the fallen-back connection is pooled and reused as HTTP/1.1");
            }
        }
    }

    @Test
    void h2OnlyPeerFailsClearlyAgainstAnHttp11OnlyOrigin() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.tls(H2TestOrigin.Offer.H1_ONLY, 100)) {
            H2UpstreamProxy p = new H2UpstreamProxy(origin.address(), true, o -> o.alpn(Alpn.H2).ca(CA));
            try (ProxyFixture fixture = proxy(p)) {
                assertEquals(502, fixture.get("/size/10").statusCode());
                p.awaitLogged(1);
                assertEquals(ErrorType.H2_ERROR, p.outcomes.get(0).error().type());
                assertTrue(p.outcomes.get(0).error().getMessage().contains("did not agree to HTTP/2"),
                        p.outcomes.get(0).error().getMessage());
            }
        }
    }

    @Test
    void uploadsStreamAndArriveWhole() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o);
            try (ProxyFixture fixture = proxy(p)) {
                byte[] body = new byte[1 << 20];
                new Random(7).nextBytes(body);
                String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
                HttpResponse<byte[]> r = fixture.client.send(HttpRequest.newBuilder(fixture.uri("/echo"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, r.statusCode());
                assertEquals(sha, r.headers().firstValue("x-body-sha256").orElseThrow());
                assertEquals(sha, HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(r.body())));
                assertEquals("POST", r.headers().firstValue("x-seen-method").orElseThrow());
                // A chunked upload (no length) and an empty one.
                String raw = fixture.raw("POST /echo HTTP/1.1\r\nHost: a.example\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                        + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
                assertTrue(raw.startsWith("HTTP/1.1 200"), raw);
                assertTrue(raw.endsWith("hello world"), raw);
                String empty = fixture.raw("POST /echo HTTP/1.1\r\nHost: a.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                assertTrue(empty.startsWith("HTTP/1.1 200"), empty);
            }
        }
    }

    @Test
    void hostBecomesAuthorityAndConnectionHeadersStayBehind() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o);
            try (ProxyFixture fixture = proxy(p)) {
                String raw = fixture.raw("GET /echo HTTP/1.1\r\nHost: api.example.com\r\nTE: trailers\r\n"
                        + "x-http2-scheme: evil\r\nCookie: a=1\r\nCookie: b=2\r\nConnection: close\r\n\r\n");
                assertTrue(raw.startsWith("HTTP/1.1 200"), raw);
                assertTrue(raw.contains("x-seen-authority: api.example.com"), raw);
                assertTrue(raw.contains("x-seen-connection: null"), raw);
            }
        }
    }

    @Test
    void trailersReachAnHttp11ClientInTheChunkedBody() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o);
            try (ProxyFixture fixture = proxy(p)) {
                String raw = fixture.raw("GET /trailers HTTP/1.1\r\nHost: a\r\nTE: trailers\r\nConnection: close\r\n\r\n");
                assertTrue(raw.startsWith("HTTP/1.1 200"), raw);
                assertTrue(raw.contains("transfer-encoding: chunked"), raw);
                assertTrue(raw.contains("grpc-status: 0"), raw);
                String only = fixture.raw("GET /trailers-only HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
                assertTrue(only.contains("grpc-status: 7"), only);
            }
        }
    }

    @Test
    void aBurstToAColdOriginWaitsForTheConnectionsBeingOpened() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o);
            try (ProxyFixture fixture = proxy(p)) {
                java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                        .version(java.net.http.HttpClient.Version.HTTP_1_1)
                        .executor(java.util.concurrent.Executors.newFixedThreadPool(8)).build();
                List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    all.add(client.sendAsync(HttpRequest.newBuilder(fixture.uri("/hold?i=" + i)).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                Await.until("200 requests held at the origin", Duration.ofSeconds(20), () -> origin.heldCount() == 200);
                origin.releaseHeld();
                for (CompletableFuture<HttpResponse<String>> f : all) {
                    assertEquals(200, f.get().statusCode());
                }
                assertTrue(origin.connections.get() <= 3, "connections opened: " + origin.connections.get());
                assertTrue(origin.maxOpen.get() <= 100, "streams open at once: " + origin.maxOpen.get());
            }
        }
    }

    @Test
    void aRefusedStreamIsRetriedEvenForAPost() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o);
            try (ProxyFixture fixture = proxy(p)) {
                HttpResponse<String> r = fixture.client.send(HttpRequest.newBuilder(fixture.uri("/refuse"))
                        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(502, r.statusCode());
                p.awaitLogged(1);
                assertEquals(ErrorType.H2_REFUSED, p.outcomes.get(0).error().type());
                long tries = origin.paths.stream().filter("/refuse"::equals).count();
                assertEquals(1 + fixture.service.maxRetries(), tries, "a refused POST is sent again: the origin did not process it");
            }
        }
    }

    @Test
    void aResetAfterTheRequestIsNotRetriedForAPost() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o);
            try (ProxyFixture fixture = proxy(p)) {
                HttpResponse<String> r = fixture.client.send(HttpRequest.newBuilder(fixture.uri("/reset"))
                        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(502, r.statusCode());
                p.awaitLogged(1);
                assertEquals(1, origin.paths.stream().filter("/reset"::equals).count());
            }
        }
    }

    @Test
    void aPostAboveTheGoAwaysLastStreamIdIsRetriedOnANewConnection() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o);
            try (ProxyFixture fixture = proxy(p)) {
                HttpResponse<String> r = fixture.client.send(HttpRequest.newBuilder(fixture.uri("/goaway-unprocessed"))
                        .POST(HttpRequest.BodyPublishers.ofString("only once")).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode());
                assertEquals("only once", r.body(), "the retry carried the whole body");
                assertEquals(2, origin.paths.stream().filter("/goaway-unprocessed"::equals).count(),
                        "sent again: the GOAWAY said the first stream was not processed");
                assertEquals(2, origin.connections.get(), "the retry did not go on the connection that said GOAWAY");
            }
        }
    }

    @Test
    void afterGoAwayNewRequestsUseANewConnection() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o);
            try (ProxyFixture fixture = proxy(p)) {
                assertEquals(200, fixture.get("/goaway").statusCode());
                assertEquals(200, fixture.get("/size/5").statusCode());
                assertEquals(200, fixture.get("/size/5").statusCode());
                assertEquals(2, origin.connections.get());
            }
        }
    }

    @Test
    void aReadTimeoutResetsOnlyItsStream() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o.readTimeout(Duration.ofMillis(300)));
            try (ProxyFixture fixture = proxy(p)) {
                CompletableFuture<HttpResponse<String>> held = fixture.client.sendAsync(
                        HttpRequest.newBuilder(fixture.uri("/hold")).build(), HttpResponse.BodyHandlers.ofString());
                Await.until("held", Duration.ofSeconds(10), () -> origin.heldCount() == 1);
                assertEquals(200, fixture.get("/size/3").statusCode(), "another stream of the same connection works");
                assertEquals(504, held.get().statusCode());
                assertEquals(200, fixture.get("/size/3").statusCode());
                assertEquals(1, origin.connections.get(), "the connection survived the reset stream");
            }
        }
    }

    @Test
    void aStreamCapOfOneOpensAConnectionPerConcurrentRequest() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o.maxH2Streams(1));
            try (ProxyFixture fixture = proxy(p)) {
                List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    all.add(fixture.client.sendAsync(HttpRequest.newBuilder(fixture.uri("/hold")).build(),
                            HttpResponse.BodyHandlers.ofString()));
                }
                Await.until("3 held", Duration.ofSeconds(10), () -> origin.heldCount() == 3);
                origin.releaseHeld();
                for (CompletableFuture<HttpResponse<String>> f : all) {
                    assertEquals(200, f.get().statusCode());
                }
                assertEquals(3, origin.connections.get());
                assertEquals(1, origin.maxOpen.get(), "one stream per connection");
            }
        }
    }

    @Test
    void anIdleConnectionThatStopsAnsweringPingsIsClosed() throws Exception {
        try (H2TestOrigin silent = H2TestOrigin.plain(100); H2TestOrigin answering = H2TestOrigin.plain(100)) {
            silent.ackPings = false;
            for (H2TestOrigin origin : List.of(silent, answering)) {
                H2UpstreamProxy p = h2c(origin, o -> o.h2PingInterval(Duration.ofMillis(100)));
                try (ProxyFixture fixture = proxy(p)) {
                    assertEquals(200, fixture.get("/size/1").statusCode());
                    if (origin == silent) {
                        // A real 100 ms timer: the PING goes out at 100 ms and is judged at 200 ms.
                        Await.until("the silent origin's connection closed", Duration.ofSeconds(10),
                                () -> silent.closedConnections.get() == 1);
                        assertEquals(200, fixture.get("/size/1").statusCode());
                        assertEquals(2, silent.connections.get(), "a new connection after the dead one");
                    } else {
                        Await.until("a few PINGs answered", Duration.ofSeconds(10),
                                () -> fixture.service.connector().stats().sessions() == 1 && origin.pings.get() >= 3);
                        assertEquals(200, fixture.get("/size/1").statusCode());
                        assertEquals(1, origin.connections.get(), "the answering origin's connection lives on");
                    }
                }
            }
        }
    }

    @Test
    void aWriteTimeoutResetsTheStreamAnOriginNeverTakesABodyFor() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            origin.streamWindow = 0;
            H2UpstreamProxy p = h2c(origin, o -> o.writeTimeout(Duration.ofMillis(300)));
            try (ProxyFixture fixture = proxy(p)) {
                // A real 300 ms timer, as the HTTP/1.1 session's write-timeout tests use.
                HttpResponse<String> r = fixture.client.send(HttpRequest.newBuilder(fixture.uri("/echo"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[100_000])).build(), HttpResponse.BodyHandlers.ofString());
                assertTrue(r.statusCode() >= 500, "status " + r.statusCode());
                p.awaitLogged(1);
                assertEquals(ErrorType.WRITE_TIMEDOUT, p.outcomes.get(0).error().type());
                assertEquals(200, fixture.get("/size/3").statusCode(), "the connection's other streams go on");
                assertEquals(1, origin.connections.get());
            }
        }
    }

    @Test
    void aSteadyConcurrentLoadSharesOneConnection() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o);
            try (ProxyFixture fixture = proxy(p)) {
                // 32 clients, each sending 25 requests one after the other: streams end and begin
                // all the time, and a connection between two of its streams must stay shareable.
                java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(32);
                try {
                    List<java.util.concurrent.Future<Integer>> done = new ArrayList<>();
                    for (int c = 0; c < 32; c++) {
                        done.add(clients.submit(() -> {
                            int ok = 0;
                            for (int i = 0; i < 25; i++) {
                                ok += fixture.get("/size/64").statusCode() == 200 ? 1 : 0;
                            }
                            return ok;
                        }));
                    }
                    for (java.util.concurrent.Future<Integer> f : done) {
                        assertEquals(25, f.get());
                    }
                } finally {
                    clients.shutdownNow();
                }
                assertTrue(origin.connections.get() <= 2, "800 requests, 32 at a time, opened " + origin.connections.get()
                        + " connections (one per event loop at most)");
            }
        }
    }

    @Test
    void aConnectionBetweenTwoStreamsStaysShareable() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100)) {
            H2UpstreamProxy p = h2c(origin, o -> o);
            try (ProxyFixture fixture = proxy(p)) {
                org.pingora4j.core.connectors.http.HttpConnector connector = fixture.service.connector();
                io.netty.channel.EventLoop loop = fixture.loops.next();
                org.pingora4j.core.upstreams.HttpPeer peer = new org.pingora4j.core.upstreams.HttpPeer(origin.address(), false, "")
                        .withOptions(o -> o.alpn(Alpn.H2));
                org.pingora4j.core.protocols.http.ClientSession first = connector.getSession(peer, loop).get();
                connector.releaseSession(first).get(); // its connection now has no stream: idle
                // Ten requests in one turn of the loop: all of them find the idle connection.
                List<CompletableFuture<org.pingora4j.core.protocols.http.ClientSession>> ten = loop.submit(() -> {
                    List<CompletableFuture<org.pingora4j.core.protocols.http.ClientSession>> all = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        all.add(connector.getSession(peer, loop));
                    }
                    return all;
                }).get();
                for (CompletableFuture<org.pingora4j.core.protocols.http.ClientSession> f : ten) {
                    assertTrue(f.get().reused());
                    connector.releaseSession(f.get()).get();
                }
                assertEquals(1, origin.connections.get(), "one connection for eleven streams");
            }
        }
    }
}
