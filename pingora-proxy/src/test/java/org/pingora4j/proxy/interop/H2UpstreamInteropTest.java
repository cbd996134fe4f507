package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pingora4j.core.connectors.http.ConnectorStats;
import org.pingora4j.core.error.ErrorSource;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.PeerOptions;
import org.pingora4j.proxy.Await;

/**
 * HTTP/1.1 clients (curl {@code --http1.1}, and java.net.http for the many-request scenarios)
 * through the proxy to REAL HTTP/2 origins: nginx 1.22 over TLS (ALPN h2, peers {@link Alpn#H2} and
 * {@link Alpn#H2H1}) and h2c with prior knowledge, and nghttpd over TLS and h2c. Bodies are checked
 * by SHA-256 against the files served or the bytes the origin stored or echoed; every request's
 * upstream protocol is taken from the proxy's logging phase; connections are counted at the origin
 * (nginx's stub_status and access log) and at the proxy (connector stats). An HTTP/1.1-only TLS
 * origin shows the {@link Alpn#H2H1} fallback. Each test gets a proxy of its own, so counts start at
 * 0; each ends with the connector's counters checked ({@link #assertStatsSane}) and, once the proxy
 * is closed, none of its connections left open at nginx; Netty's leak detector (paranoid) is checked
 * after every test by the auto-registered {@code LeakCheckExtension}. Two proxy bugs these origins
 * show are pinned by disabled tests at the end.
 */
final class H2UpstreamInteropTest {

    private static final CaCertificates CA = CaCertificates.fromPemFile(TestCerts.file("ca.crt"));
    private static final byte[] SMALL = Bodies.PAD.repeat(2).substring(0, 2048).getBytes(StandardCharsets.US_ASCII);
    private static final byte[] BIG = Bodies.letters(1);
    private static final byte[] UPLOAD_1M = Bodies.binary(4);
    private static final byte[] UPLOAD_2K = Arrays.copyOf(Bodies.binary(5), 2048);

    @TempDir
    static Path dir;
    static NginxH2Origin nginxTls;
    static NginxH2Origin nginxH2c;
    static NghttpdOrigin nghttpdTls;
    static NghttpdOrigin nghttpdH2c;
    static Curl curl;
    static Path upload1m;
    static Path upload2k;
    static Path upload0;
    static HttpClient client;

    /** The nginx origins and the peer ALPN the proxy uses towards them. */
    enum Nginx {
        TLS_H2(true, Alpn.H2),
        TLS_H2H1(true, Alpn.H2H1),
        H2C(false, Alpn.H2);

        final boolean tls;
        final Alpn alpn;

        Nginx(boolean tls, Alpn alpn) {
            this.tls = tls;
            this.alpn = alpn;
        }

        NginxH2Origin origin() {
            return tls ? nginxTls : nginxH2c;
        }

        H2InteropProxy proxy(UnaryOperator<PeerOptions.Builder> more) throws Exception {
            return new H2InteropProxy(origin().port(), tls, "localhost",
                    o -> more.apply(tls ? o.alpn(alpn).ca(CA) : o.alpn(alpn)));
        }

        /** nginx's {@code $http2}: {@code h2} over TLS, {@code h2c} in the clear. */
        String http2() {
            return tls ? "h2" : "h2c";
        }
    }

    /** The nghttpd origins (the proxy speaks {@link Alpn#H2} to both). */
    enum Nghttpd {
        TLS(true),
        H2C(false);

        final boolean tls;

        Nghttpd(boolean tls) {
            this.tls = tls;
        }

        H2InteropProxy proxy() throws Exception {
            NghttpdOrigin origin = tls ? nghttpdTls : nghttpdH2c;
            return new H2InteropProxy(origin.port(), tls, "localhost",
                    o -> tls ? o.alpn(Alpn.H2).ca(CA) : o.alpn(Alpn.H2));
        }
    }

    @BeforeAll
    static void start() throws Exception {
        nginxTls = NginxH2Origin.startTls(Files.createDirectories(dir.resolve("nginx-tls")));
        nginxH2c = NginxH2Origin.startH2c(Files.createDirectories(dir.resolve("nginx-h2c")));
        nghttpdTls = NghttpdOrigin.startTls(Files.createDirectories(dir.resolve("nghttpd-tls")));
        nghttpdH2c = NghttpdOrigin.startH2c(Files.createDirectories(dir.resolve("nghttpd-h2c")));
        curl = new Curl(Files.createDirectories(dir.resolve("curl")));
        upload1m = Files.write(dir.resolve("upload-1m.bin"), UPLOAD_1M);
        upload2k = Files.write(dir.resolve("upload-2k.bin"), UPLOAD_2K);
        upload0 = Files.write(dir.resolve("upload-0.bin"), new byte[0]);
        client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable origin : new AutoCloseable[] {nginxTls, nginxH2c, nghttpdTls, nghttpdH2c}) {
            try {
                if (origin != null) {
                    origin.close();
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    // ---- 1. nginx: GETs and uploads over HTTP/2 ------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Nginx.class)
    void nginxServesFilesAndEmptyAnswersExactly(Nginx target) throws Exception {
        try (H2InteropProxy proxy = target.proxy(o -> o)) {
            Curl.Result small = curl.run(proxy.url("/small.txt"));
            assertEquals(200, small.last().status());
            assertEquals(sha256(SMALL), sha256(small.body()));
            assertLengthMatches(small);

            Curl.Result big = curl.run(proxy.url("/big.txt"));
            assertEquals(200, big.last().status());
            assertEquals(sha256(BIG), sha256(big.body()));
            assertLengthMatches(big);

            Curl.Result emptyFile = curl.run(proxy.url("/empty.txt"));
            assertEquals(200, emptyFile.last().status());
            assertEquals(0, emptyFile.body().length);
            assertLengthMatches(emptyFile);

            Curl.Result noContent = curl.run(proxy.url("/empty"));
            assertEquals(204, noContent.last().status());
            assertEquals(0, noContent.body().length);
            // RFC 9110 §8.6 / RFC 9112 §6.1: a 204 has neither Content-Length nor Transfer-Encoding.
            assertFalse(noContent.last().has("content-length"), "Content-Length on a 204");
            assertFalse(noContent.last().has("transfer-encoding"), "Transfer-Encoding on a 204");

            List<H2InteropProxy.Outcome> outcomes = proxy.awaitLogged(4);
            assertAllHttp2(outcomes);
            assertStatsSane(proxy, 4, 1);
            assertEquals(3, outcomes.stream().filter(H2InteropProxy.Outcome::reused).count(),
                    "the three requests after the first ride its connection: " + outcomes);
        }
        awaitOriginConnectionsClosed(target.origin());
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Nginx.class)
    void nginxSeesPostsOfEverySizeOverHttp2(Nginx target) throws Exception {
        try (H2InteropProxy proxy = target.proxy(o -> o)) {
            // /echo answers without reading a body: fine for an empty one (HEADERS with END_STREAM).
            Map<String, String> empty = echo(curl.run(proxy.url("/echo?n=0"), "-H", "Expect:",
                    "--data-binary", "@" + upload0));
            assertEquals("POST", empty.get("method"));
            assertEquals("HTTP/2.0", empty.get("protocol"));
            assertEquals(target.http2(), empty.get("http2"));
            assertTrue(Set.of("0", "").contains(empty.get("content_length")), "content_length of an empty POST: " + empty);

            // /echo-read reads the whole body first and reports how many bytes it got. (A body to
            // /echo, answered before it was read, meets a proxy bug: see
            // anAnswerBeforeTheWholeUploadSurvivesTheOriginsNoErrorReset, disabled.)
            postEchoRead(target, proxy, "0", upload0, false, 0);
            postEchoRead(target, proxy, "2k", upload2k, false, UPLOAD_2K.length);
            postEchoRead(target, proxy, "1m", upload1m, false, UPLOAD_1M.length);
            postEchoRead(target, proxy, "chunked-2k", upload2k, true, UPLOAD_2K.length);
            postEchoRead(target, proxy, "chunked-1m", upload1m, true, UPLOAD_1M.length);

            List<H2InteropProxy.Outcome> outcomes = proxy.awaitLogged(6);
            assertAllHttp2(outcomes);
            assertStatsSane(proxy, 6, 1);
        }
        awaitOriginConnectionsClosed(target.origin());
    }

    /** POSTs {@code file} to nginx's /echo-read and checks that nginx got it over HTTP/2, all {@code length} bytes. */
    private static void postEchoRead(Nginx target, H2InteropProxy proxy, String name, Path file, boolean chunked,
                                     int length) throws Exception {
        List<String> args = new ArrayList<>(List.of("-H", "Expect:"));
        if (chunked) {
            args.addAll(List.of("-H", "Transfer-Encoding: chunked"));
        }
        args.addAll(List.of("--data-binary", "@" + file));
        Curl.Result result = curl.run(proxy.url("/echo-read?n=" + name), args.toArray(String[]::new));
        Map<String, String> inner = echo(result);
        Curl.Head head = result.last();
        assertEquals("HTTP/2.0", head.header("x-seen-protocol"), name);
        assertEquals(target.http2(), head.header("x-seen-http2"), name);
        assertEquals("POST", head.header("x-seen-method"), name);
        // A chunked body goes without a length (HTTP/2 frames it), but nginx fills $content_length in
        // itself when the whole body came before it looked; so only a declared length is checked.
        if (!chunked && length > 0) {
            assertEquals(String.valueOf(length), head.header("x-seen-content-length"), name);
        }
        // The bytes nginx received (it forwards them to /echo with their count as Content-Length).
        String got = inner.get("content_length");
        if (length == 0) {
            assertTrue(Set.of("0", "").contains(got), name + ": body bytes nginx got: " + inner);
        } else {
            assertEquals(String.valueOf(length), got, name + ": body bytes nginx got: " + inner);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Nginx.class)
    void nginxStoresUploadsByteForByteOverHttp2(Nginx target) throws Exception {
        NginxH2Origin origin = target.origin();
        try (H2InteropProxy proxy = target.proxy(o -> o)) {
            String name = target.name().toLowerCase();
            put(proxy, name + "-0.bin", upload0, false);
            assertEquals(sha256(new byte[0]), sha256(Files.readAllBytes(origin.uploads.resolve(name + "-0.bin"))));
            put(proxy, name + "-2k.bin", upload2k, false);
            assertEquals(sha256(UPLOAD_2K), sha256(Files.readAllBytes(origin.uploads.resolve(name + "-2k.bin"))));
            put(proxy, name + "-1m.bin", upload1m, false);
            assertEquals(sha256(UPLOAD_1M), sha256(Files.readAllBytes(origin.uploads.resolve(name + "-1m.bin"))));
            put(proxy, name + "-chunked.bin", upload1m, true);
            assertEquals(sha256(UPLOAD_1M),
                    sha256(Files.readAllBytes(origin.uploads.resolve(name + "-chunked.bin"))));

            assertAllHttp2(proxy.awaitLogged(4));
            assertStatsSane(proxy, 4, 1);
        }
        awaitOriginConnectionsClosed(origin);
    }

    // ---- 2. multiplexing and reuse ---------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Nginx.class)
    void twoHundredSequentialRequestsRideOneConnection(Nginx target) throws Exception {
        NginxH2Origin origin = target.origin();
        String marker = "seq-" + target;
        long before = origin.acceptedConnections();
        try (H2InteropProxy proxy = target.proxy(o -> o)) {
            for (int i = 0; i < 200; i++) {
                HttpResponse<byte[]> response = get(proxy, "/small.txt?m=" + marker + "-" + i);
                assertEquals(200, response.statusCode(), "request " + i);
                assertArrayEquals(SMALL, response.body(), "request " + i);
            }
            List<H2InteropProxy.Outcome> outcomes = proxy.awaitLogged(200);
            assertAllHttp2(outcomes);
            long reused = outcomes.stream().filter(H2InteropProxy.Outcome::reused).count();
            assertTrue(reused / 200.0 >= 0.99, "reused " + reused + " of 200");
            // The status query before counted itself; so does the one after.
            assertEquals(1, origin.acceptedConnections() - before - 1, "connections nginx accepted for 200 requests");
            assertEquals(Set.of("HTTP/2.0"), protocolsLogged(origin, marker, 200));
            assertEquals(1, connectionsLogged(origin, marker, 200).size(), "nginx connections in the access log");
            ConnectorStats stats = assertStatsSane(proxy, 200, 1);
            assertEquals(199, stats.reused());
            assertEquals(1, stats.connectsOk());
        }
        awaitOriginConnectionsClosed(origin);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Nginx.class)
    void sixtyFourConcurrentRequestsShareAHandfulOfConnections(Nginx target) throws Exception {
        NginxH2Origin origin = target.origin();
        String marker = "par-" + target;
        long before = origin.acceptedConnections();
        try (H2InteropProxy proxy = target.proxy(o -> o.maxH2Streams(100))) {
            List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String path = (i % 2 == 0 ? "/big.txt" : "/small.txt") + "?m=" + marker + "-" + i;
                all.add(client.sendAsync(HttpRequest.newBuilder(proxy.uri(path)).timeout(Duration.ofSeconds(30)).build(),
                        HttpResponse.BodyHandlers.ofByteArray()));
            }
            for (int i = 0; i < 64; i++) {
                HttpResponse<byte[]> response = all.get(i).get();
                assertEquals(200, response.statusCode(), "request " + i);
                assertEquals(sha256(i % 2 == 0 ? BIG : SMALL), sha256(response.body()), "request " + i);
            }
            assertAllHttp2(proxy.awaitLogged(64));
            long accepted = origin.acceptedConnections() - before - 1;
            assertTrue(accepted >= 1 && accepted <= 4, "connections nginx accepted for 64 concurrent requests: " + accepted);
            Set<String> connections = connectionsLogged(origin, marker, 64);
            assertTrue(connections.size() <= 4, "nginx connections in the access log: " + connections);
            assertEquals(Set.of("HTTP/2.0"), protocolsLogged(origin, marker, 64));
            // Multiplexed, not merely queued: nginx was serving several of them at the same time.
            int overlap = mostAtOnce(logged(origin, marker, 64));
            assertTrue(overlap >= 2, "requests nginx served at once: " + overlap);
            ConnectorStats stats = assertStatsSane(proxy, 64, 4);
            System.err.println("h2 interop " + target + ": 64 concurrent requests on " + accepted
                    + " connection(s), up to " + overlap + " at once at nginx; " + stats);
        }
        awaitOriginConnectionsClosed(origin);
    }

    // ---- 3. nghttpd ------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @EnumSource(Nghttpd.class)
    void nghttpdServesAndEchoesExactly(Nghttpd target) throws Exception {
        try (H2InteropProxy proxy = target.proxy()) {
            Curl.Result small = curl.run(proxy.url("/small.txt"));
            assertEquals(200, small.last().status());
            assertEquals(sha256(SMALL), sha256(small.body()));

            Curl.Result big = curl.run(proxy.url("/big.txt"));
            assertEquals(200, big.last().status());
            assertEquals(sha256(BIG), sha256(big.body()));

            // nghttpd --echo-upload answers a POST with its own body.
            Curl.Result echo = curl.run(proxy.url("/echo"), "-H", "Expect:", "--data-binary", "@" + upload1m);
            assertEquals(200, echo.last().status());
            assertEquals(sha256(UPLOAD_1M), sha256(echo.body()));

            Curl.Result echo2k = curl.run(proxy.url("/echo"), "-H", "Expect:", "--data-binary", "@" + upload2k);
            assertEquals(200, echo2k.last().status());
            assertEquals(sha256(UPLOAD_2K), sha256(echo2k.body()));

            Curl.Result chunked = curl.run(proxy.url("/echo"), "-H", "Expect:", "-H", "Transfer-Encoding: chunked",
                    "--data-binary", "@" + upload1m);
            assertEquals(200, chunked.last().status());
            assertEquals(sha256(UPLOAD_1M), sha256(chunked.body()));

            assertAllHttp2(proxy.awaitLogged(5));
            assertStatsSane(proxy, 5, 1);
        }
    }

    // ---- 4. ALPN fallback to HTTP/1.1 -----------------------------------------------------

    @Test
    void h2h1PeerFallsBackToHttp11AgainstAnHttp11OnlyTlsOriginAndRemembersIt() throws Exception {
        String marker = "fallback";
        long before = nginxTls.acceptedConnections();
        try (H2InteropProxy proxy = new H2InteropProxy(nginxTls.tlsHttp1Port(), true, "localhost",
                o -> o.alpn(Alpn.H2H1).ca(CA))) {
            for (int i = 0; i < 20; i++) {
                HttpResponse<byte[]> response = get(proxy, "/small.txt?m=" + marker + "-" + i);
                assertEquals(200, response.statusCode(), "request " + i);
                assertArrayEquals(SMALL, response.body(), "request " + i);
            }
            Curl.Result big = curl.run(proxy.url("/big.txt?m=" + marker + "-big"));
            assertEquals(200, big.last().status());
            assertEquals(sha256(BIG), sha256(big.body()));

            List<H2InteropProxy.Outcome> outcomes = proxy.awaitLogged(21);
            assertTrue(outcomes.stream().allMatch(o -> "HTTP/1.1".equals(o.protocol()) && o.error() == null),
                    "every request served over HTTP/1.1: " + outcomes);
            assertEquals(20, outcomes.stream().filter(H2InteropProxy.Outcome::reused).count(), outcomes.toString());
            assertEquals(1, nginxTls.acceptedConnections() - before - 1, "connections nginx accepted for 21 requests");
            assertEquals(Set.of("HTTP/1.1"), protocolsLogged(nginxTls, marker, 21));
            assertEquals(1, connectionsLogged(nginxTls, marker, 21).size());
            ConnectorStats stats = assertStatsSane(proxy, 21, 1);
            assertEquals(20, stats.reused());

            // More connections now (a concurrent burst): still HTTP/1.1, still no error.
            List<CompletableFuture<HttpResponse<byte[]>>> burst = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                burst.add(client.sendAsync(HttpRequest.newBuilder(proxy.uri("/big.txt?m=" + marker + "-burst-" + i))
                        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofByteArray()));
            }
            for (CompletableFuture<HttpResponse<byte[]>> response : burst) {
                assertEquals(200, response.get().statusCode());
                assertEquals(sha256(BIG), sha256(response.get().body()));
            }
            List<H2InteropProxy.Outcome> all = proxy.awaitLogged(8);
            assertTrue(all.stream().allMatch(o -> "HTTP/1.1".equals(o.protocol()) && o.error() == null),
                    "the burst also served over HTTP/1.1: " + all);
            assertEquals(Set.of("HTTP/1.1"), protocolsLogged(nginxTls, marker, 29));
            assertStatsSane(proxy, 29, 8);
        }
        awaitOriginConnectionsClosed(nginxTls);
    }

    @Test
    void h2OnlyPeerFailsWith502AgainstAnHttp11OnlyTlsOrigin() throws Exception {
        try (H2InteropProxy proxy = new H2InteropProxy(nginxTls.tlsHttp1Port(), true, "localhost",
                o -> o.alpn(Alpn.H2).ca(CA))) {
            HttpResponse<byte[]> response = get(proxy, "/small.txt?m=h2only");
            assertEquals(502, response.statusCode());
            List<H2InteropProxy.Outcome> outcomes = proxy.awaitLogged(1);
            assertNotNull(outcomes.get(0).error(), outcomes.toString());
            // nginx (1.21.4 and later) refuses a ClientHello whose ALPN it shares nothing with: a
            // no_application_protocol alert (RFC 7301 §3.2), so the handshake fails before the
            // proxy's own "did not agree to HTTP/2" check (H2_ERROR) can see an http/1.1 choice.
            assertTrue(Set.of(ErrorType.TLS_HANDSHAKE_FAILURE, ErrorType.H2_ERROR).contains(outcomes.get(0).error().type()),
                    outcomes.toString());
            assertEquals(0, proxy.stats().connectsOk());
            assertTrue(proxy.stats().connectsFailed() >= 1, proxy.stats().toString());
        }
        awaitOriginConnectionsClosed(nginxTls);
    }

    // ---- proxy bugs these origins show (disabled until fixed) -------------------------------

    /**
     * nginx's {@code return} answers a POST at once and discards its body; over HTTP/2 it sends the
     * whole answer (HEADERS, DATA with END_STREAM) and then {@code RST_STREAM(NO_ERROR)} to stop the
     * upload. RFC 9113 §8.1: the client "MUST NOT discard responses as a result of receiving such a
     * RST_STREAM". The proxy does: the request body write that the reset fails turns into
     * {@code H2_ERROR "the origin reset the stream (NO_ERROR)" cause ClosedChannelException} (logged
     * at ERROR as "Fail to proxy ... status: 0, tries: 1, phase: proxy"), after the head went out, so
     * the client connection is closed mid-body: curl ends with {@code (18) transfer closed with 225
     * bytes remaining to read} or {@code (56) Recv failure: Connection reset by peer}. Six such POSTs
     * on one proxy (one connection): for all three targets, every run, the first (stream 1 of a new
     * connection) passes and streams 3, 5 and 9 (the 2nd, 3rd and 5th POST) fail; the rest pass.
     * A 2 KiB POST to {@code /echo} meets the same reset and fails now and then (seen: curl {@code (18)
     * transfer closed with 223 bytes remaining to read}), when the proxy's body write comes after
     * the reset. The same exchange to an HTTP/1.1 upstream works
     * ({@code CurlNginxInteropTest.anAnswerBeforeTheOneMibUploadEndedReachesTheClient}).
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Nginx.class)
    void anAnswerBeforeTheWholeUploadSurvivesTheOriginsNoErrorReset(Nginx target) throws Exception {
        try (H2InteropProxy proxy = target.proxy(o -> o)) {
            List<String> failed = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                try {
                    Map<String, String> oneMib = echo(curl.run(proxy.url("/echo?n=1m-" + i), "-H", "Expect:",
                            "--data-binary", "@" + upload1m));
                    assertEquals("POST", oneMib.get("method"));
                    assertEquals("HTTP/2.0", oneMib.get("protocol"));
                    assertEquals(String.valueOf(UPLOAD_1M.length), oneMib.get("content_length"));
                } catch (AssertionError e) {
                    failed.add("POST " + i + ": " + e.getMessage());
                }
            }
            List<H2InteropProxy.Outcome> outcomes = proxy.awaitLogged(6);
            assertEquals(List.of(), failed, "outcomes: " + outcomes);
            assertAllHttp2(outcomes);
            assertStatsSane(proxy, 6, 1);
        }
        awaitOriginConnectionsClosed(target.origin());
    }

    /**
     * A response with an empty body (200 with {@code Content-Length: 0}, a 201 to a PUT, a 204) is
     * complete for the client as soon as its head arrives. The proxy flushes the head, but writes
     * the response's end only after the upstream connection went back to its pool, which lives on
     * another event loop; curl, done at the head, closes first, and the request is logged with
     * {@code CONNECTION_CLOSED "client closed the connection"} or {@code WRITE_ERROR "writing the
     * response to the client failed" (ClosedChannelException)} (and counted as a client that left)
     * although the client got the whole response. Not specific to HTTP/2: an HTTP/1.1 upstream shows
     * it too. Measured: 60 curl GETs alternating /empty.txt and /empty gave 14, 4 and 6 such errors
     * (TLS_H2, TLS_H2H1, H2C) and 6 with an HTTP/1.1 upstream before the fix (a client that closes
     * with the whole response in hand ends the request as served: DownstreamResponse.clientHasWhole).
     */
    @Test
    void anEmptyAnswerTheClientGotWholeIsNotLoggedAsAFailure() throws Exception {
        List<String> errors = new ArrayList<>();
        for (Nginx target : Nginx.values()) {
            try (H2InteropProxy proxy = target.proxy(o -> o)) {
                errors.addAll(emptyAnswers(target.toString(), proxy));
            }
        }
        try (H2InteropProxy proxy = new H2InteropProxy(nginxH2c.http1Port(), false, "", o -> o.alpn(Alpn.H1))) {
            errors.addAll(emptyAnswers("HTTP/1.1 upstream", proxy));
        }
        assertEquals(List.of(), errors);
    }

    private static List<String> emptyAnswers(String name, H2InteropProxy proxy) throws Exception {
        int n = 40;
        for (int i = 0; i < n; i++) {
            Curl.Result result = curl.run(proxy.url(i % 2 == 0 ? "/empty.txt?i=" + i : "/empty?i=" + i));
            assertEquals(i % 2 == 0 ? 200 : 204, result.last().status());
            assertEquals(0, result.body().length);
        }
        return proxy.awaitLogged(n).stream().filter(o -> o.error() != null)
                .map(o -> name + ": " + o.uri() + " " + o.error().type() + " " + o.error().getMessage()).toList();
    }

    // ---- helpers ---------------------------------------------------------------------------

    private static HttpResponse<byte[]> get(H2InteropProxy proxy, String path) throws Exception {
        return client.send(HttpRequest.newBuilder(proxy.uri(path)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    private static void put(H2InteropProxy proxy, String name, Path file, boolean chunked) throws Exception {
        List<String> args = new ArrayList<>(List.of("-X", "PUT", "-H", "Expect:"));
        if (chunked) {
            args.addAll(List.of("-H", "Transfer-Encoding: chunked"));
        }
        args.addAll(List.of("--data-binary", "@" + file));
        Curl.Result result = curl.run(proxy.url("/upload/" + name), args.toArray(String[]::new));
        assertEquals(201, result.last().status(), "PUT " + name + (chunked ? " (chunked)" : ""));
    }

    private static Map<String, String> echo(Curl.Result result) {
        assertEquals(200, result.last().status());
        return NginxH2Origin.echo(new String(result.body(), StandardCharsets.US_ASCII));
    }

    private static String sha256(byte[] bytes) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
        return bytes.length + " bytes, sha-256 " + HexFormat.of().formatHex(digest);
    }

    /** A Content-Length, if the proxy sent one, says how many bytes curl got. */
    private static void assertLengthMatches(Curl.Result result) {
        String length = result.last().header("content-length");
        if (length != null) {
            assertEquals(String.valueOf(result.body().length), length);
            assertFalse(result.last().has("transfer-encoding"), "Content-Length and Transfer-Encoding together");
        }
    }

    /** Every request went to the origin over HTTP/2 and succeeded . */
    private static void assertAllHttp2(List<H2InteropProxy.Outcome> outcomes) {
        for (H2InteropProxy.Outcome outcome : outcomes) {
            assertEquals("HTTP/2", outcome.protocol(), "upstream protocol of " + outcome + " (all: " + outcomes + ")");
            assertNull(outcome.error(), "error of " + outcome);
        }
    }

    /**
     * The connector's counters after {@code requests} requests that each succeeded at once: one
     * session each, no failed connect, no stale connection, between 1 and {@code maxConnections}
     * connections, every session but each connection's first reused, the pool within its ceiling.
     */
    private static ConnectorStats assertStatsSane(H2InteropProxy proxy, int requests, int maxConnections) {
        ConnectorStats stats = proxy.stats();
        String all = stats.toString();
        assertEquals(requests, stats.sessions(), "sessions: " + all);
        assertEquals(0, stats.connectsFailed(), "failed connects: " + all);
        assertEquals(0, stats.staleOnCheckout(), "stale on checkout: " + all);
        assertTrue(stats.connectsOk() >= 1 && stats.connectsOk() <= maxConnections, "connections: " + all);
        assertTrue(stats.reused() >= stats.sessions() - stats.connectsOk() && stats.reused() < stats.sessions(),
                "reused: " + all);
        assertTrue(stats.pool().idle() <= stats.pool().maxIdle(), "pool over its ceiling: " + all);
        return stats;
    }

    /** The access log lines ({@code PROTOCOL CONNECTION METHOD URI STATUS END DURATION}) of the marked requests, awaited to number {@code count}. */
    private static List<String[]> logged(NginxH2Origin origin, String marker, int count) {
        String token = "?m=" + marker + "-";
        List<String[]> lines = new ArrayList<>();
        Await.until(() -> "nginx logs " + count + " requests marked " + marker + ", has " + lines.size(),
                Duration.ofSeconds(10), () -> {
                    lines.clear();
                    try {
                        for (String line : origin.accessLog()) {
                            if (line.contains(token)) {
                                lines.add(line.split(" "));
                            }
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                    return lines.size() == count;
                });
        return lines;
    }

    /**
     * The most requests nginx was serving at one instant, from the access log's end times and
     * durations (to the millisecond; intervals that merely touch do not count as overlapping).
     */
    private static int mostAtOnce(List<String[]> lines) {
        List<long[]> events = new ArrayList<>();
        for (String[] line : lines) {
            long end = Math.round(Double.parseDouble(line[5]) * 1000);
            long start = end - Math.round(Double.parseDouble(line[6]) * 1000);
            events.add(new long[] {start, +1});
            events.add(new long[] {end, -1});
        }
        // At equal times, ends before starts.
        events.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        int now = 0;
        int most = 0;
        for (long[] event : events) {
            now += (int) event[1];
            most = Math.max(most, now);
        }
        return most;
    }

    private static Set<String> connectionsLogged(NginxH2Origin origin, String marker, int count) {
        Set<String> connections = new TreeSet<>();
        for (String[] line : logged(origin, marker, count)) {
            connections.add(line[1]);
        }
        return connections;
    }

    private static Set<String> protocolsLogged(NginxH2Origin origin, String marker, int count) {
        Set<String> protocols = new TreeSet<>();
        for (String[] line : logged(origin, marker, count)) {
            protocols.add(line[0]);
        }
        return protocols;
    }

    /** After the proxy closed, nginx holds no connection of it: only the status query's own is active. */
    private static void awaitOriginConnectionsClosed(NginxH2Origin origin) {
        Await.until("nginx sees the proxy's connections closed", Duration.ofSeconds(10), () -> {
            try {
                return origin.activeConnections() == 1;
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
