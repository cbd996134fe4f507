package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pingora4j.core.testing.H2TestOrigin;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.upstreams.CaCertificates;

/** HTTP/2 clients at the proxy's edge: ALPN on TLS, h2c with prior knowledge beside HTTP/1.1 on a plain port. */
final class H2DownstreamTest {

    private static final CaCertificates CA = CaCertificates.fromPemFile(TestCerts.file("ca.crt"));

    @TempDir
    Path dir;

    private static HttpClient h2Client() throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(TestCerts.clientContext())
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static String sha(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    @Test
    void tlsClientsGetHttp2ToAnHttp11Origin() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.tls(H2TestOrigin.Offer.H1_ONLY, 100);
             H2EdgeProxy proxy = new H2EdgeProxy(origin.address(), true, o -> o.alpn(Alpn.H1).ca(CA), o -> o)) {
            HttpClient client = h2Client();
            URI base = URI.create("https://localhost:" + proxy.tlsPort());
            HttpResponse<String> small = client.send(HttpRequest.newBuilder(base.resolve("/size/2048")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, small.statusCode());
            assertEquals(HttpClient.Version.HTTP_2, small.version());
            assertEquals(2048, small.body().length());
            for (int size : new int[] {0, 2048, 1 << 20}) {
                byte[] body = new byte[size];
                new Random(size).nextBytes(body);
                HttpResponse<byte[]> echoed = client.send(HttpRequest.newBuilder(base.resolve("/echo"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, echoed.statusCode(), "POST of " + size + " bytes");
                assertEquals(sha(body), echoed.headers().firstValue("x-body-sha256").orElseThrow());
                assertArrayEquals(body, echoed.body());
            }
            // 50 requests at once share the client's one connection as streams.
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                all.add(client.sendAsync(HttpRequest.newBuilder(base.resolve("/size/" + (100 + i))).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            for (int i = 0; i < 50; i++) {
                assertEquals(100 + i, all.get(i).get().body().length());
            }
            org.pingora4j.proxy.Await.until("all requests logged", java.time.Duration.ofSeconds(10), () -> proxy.outcomes.size() == 54);
            assertTrue(proxy.outcomes.stream().allMatch(o -> "HTTP/2".equals(o.clientProtocol())
                    && "HTTP/1.1".equals(o.upstreamProtocol()) && o.error() == null), proxy.outcomes.toString());
        }
    }

    @Test
    void h2cPriorKnowledgeAndHttp11ShareThePlainPort() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100);
             H2EdgeProxy proxy = new H2EdgeProxy(origin.address(), false, o -> o.alpn(Alpn.H2), o -> o)) {
            Curl h2c = new Curl(dir, "--http2-prior-knowledge");
            Curl.Result r = h2c.run("http://127.0.0.1:" + proxy.plainPort() + "/size/2048");
            assertEquals(200, r.heads().get(r.heads().size() - 1).status(), r.stdout());
            assertEquals(2048, r.body().length);
            Curl h1 = new Curl(dir);
            Curl.Result r1 = h1.run("http://127.0.0.1:" + proxy.plainPort() + "/size/10");
            assertEquals(200, r1.heads().get(r1.heads().size() - 1).status(), r1.stdout());
            assertEquals(10, r1.body().length);
            // The logging phase runs once the response is out: it may trail the client's read.
            org.pingora4j.proxy.Await.until("both requests logged", java.time.Duration.ofSeconds(10), () -> proxy.outcomes.size() == 2);
            assertEquals(List.of("HTTP/2", "HTTP/1.1"), proxy.outcomes.stream().map(H2EdgeProxy.Outcome::clientProtocol).toList());
        }
    }

    @Test
    void trailersAndTrailersOnlyAnswersCrossHttp2BothWays() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100);
             H2EdgeProxy proxy = new H2EdgeProxy(origin.address(), false, o -> o.alpn(Alpn.H2), o -> o)) {
            RawH2Script.Result withTrailers = RawH2Script.run("get", "127.0.0.1", proxy.plainPort(), "--path", "/trailers");
            assertEquals(200, withTrailers.status(1), withTrailers.line());
            assertEquals("0", withTrailers.trailer(1, "grpc-status"), withTrailers.line());
            RawH2Script.Result only = RawH2Script.run("get", "127.0.0.1", proxy.plainPort(), "--path", "/trailers-only");
            assertEquals(200, only.status(1), only.line());
            assertEquals("7", only.header(1, "grpc-status"), only.line());
            assertTrue(!only.hasTrailers(1) && only.bodyLength(1) == 0, "one HEADERS frame ends the stream: " + only.line());
        }
    }

    @Test
    void tlsH2ClientToTlsH2OriginWithTrailers() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.tls(H2TestOrigin.Offer.H2, 100);
             H2EdgeProxy proxy = new H2EdgeProxy(origin.address(), true, o -> o.alpn(Alpn.H2).ca(CA), o -> o)) {
            RawH2Script.Result r = RawH2Script.run("get", "127.0.0.1", proxy.tlsPort(), "--tls", "--path", "/trailers");
            assertEquals(200, r.status(1), r.line());
            assertEquals("0", r.trailer(1, "grpc-status"), r.line());
            org.pingora4j.proxy.Await.until("logged", java.time.Duration.ofSeconds(10), () -> !proxy.outcomes.isEmpty());
            assertEquals("HTTP/2", proxy.outcomes.get(0).upstreamProtocol());
        }
    }

    @Test
    void h2OffWhenTheOptionSaysSo() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100);
             H2EdgeProxy proxy = new H2EdgeProxy(origin.address(), false, o -> o.alpn(Alpn.H2), o -> o.h2(false).h2c(false))) {
            HttpResponse<String> r = h2Client().send(HttpRequest.newBuilder(URI.create("https://localhost:" + proxy.tlsPort() + "/size/5")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(HttpClient.Version.HTTP_1_1, r.version());
            assertEquals(200, r.statusCode());
        }
    }
}
