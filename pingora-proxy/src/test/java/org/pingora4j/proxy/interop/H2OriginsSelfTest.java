package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real HTTP/2 origins on their own, no proxy: curl over HTTP/2 (TLS with ALPN, and h2c with
 * prior knowledge) straight to {@link NghttpdOrigin} and {@link NginxH2Origin}, checking that
 * HTTP/2 was spoken and the bodies are exact.
 */
final class H2OriginsSelfTest {

    private static final byte[] BIG = Bodies.letters(1);
    private static final byte[] UPLOAD = Bodies.binary(3);

    @TempDir
    static Path dir;
    static NghttpdOrigin nghttpdTls;
    static NghttpdOrigin nghttpdH2c;
    static NginxH2Origin nginxTls;
    static NginxH2Origin nginxH2c;
    static Curl overTls;
    static Curl priorKnowledge;
    static Path upload;

    @BeforeAll
    static void start() throws Exception {
        nghttpdTls = NghttpdOrigin.startTls(Files.createDirectories(dir.resolve("nghttpd-tls")));
        nghttpdH2c = NghttpdOrigin.startH2c(Files.createDirectories(dir.resolve("nghttpd-h2c")));
        nginxTls = NginxH2Origin.startTls(Files.createDirectories(dir.resolve("nginx-tls")));
        nginxH2c = NginxH2Origin.startH2c(Files.createDirectories(dir.resolve("nginx-h2c")));
        Path curlDir = Files.createDirectories(dir.resolve("curl"));
        overTls = new Curl(curlDir, "--http2", "--cacert", nginxTls.tls.ca().toString());
        priorKnowledge = new Curl(curlDir, "--http2-prior-knowledge");
        upload = Files.write(dir.resolve("upload.bin"), UPLOAD);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable origin : new AutoCloseable[] {nghttpdTls, nghttpdH2c, nginxTls, nginxH2c}) {
            try {
                if (origin != null) {
                    origin.close();
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    /** Fetches {@code url} over HTTP/2 and checks that it was HTTP/2 and a 200. */
    private static byte[] fetch(Curl curl, String url, String... args) throws Exception {
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "-w";
        all[args.length + 1] = "%{http_version}";
        Curl.Result result = curl.run(url, all);
        assertEquals("2", result.stdout(), "protocol curl used for " + url);
        assertEquals(200, result.last().status(), url);
        return result.body();
    }

    private static byte[] small() {
        return Bodies.PAD.repeat(2).substring(0, 2048).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void nghttpdOverTls() throws Exception {
        assertArrayEquals(small(), fetch(overTls, nghttpdTls.url() + "/small.txt"));
        assertArrayEquals(BIG, fetch(overTls, nghttpdTls.url() + "/big.txt"));
        // The certificate names localhost too.
        assertArrayEquals(small(), fetch(overTls, "https://localhost:" + nghttpdTls.port() + "/small.txt"));
    }

    @Test
    void nghttpdOverH2cWithPriorKnowledge() throws Exception {
        assertArrayEquals(small(), fetch(priorKnowledge, nghttpdH2c.url() + "/small.txt"));
        assertArrayEquals(BIG, fetch(priorKnowledge, nghttpdH2c.url() + "/big.txt"));
    }

    @Test
    void nghttpdEchoesAnUpload() throws Exception {
        assertArrayEquals(UPLOAD, fetch(priorKnowledge, nghttpdH2c.url() + "/anything",
                "-X", "POST", "--data-binary", "@" + upload));
    }

    @Test
    void nginxOverTls() throws Exception {
        assertArrayEquals(small(), fetch(overTls, nginxTls.url() + "/small.txt"));
        assertArrayEquals(BIG, fetch(overTls, nginxTls.url() + "/big.txt"));
    }

    @Test
    void nginxOverH2cWithPriorKnowledge() throws Exception {
        assertArrayEquals(small(), fetch(priorKnowledge, nginxH2c.url() + "/small.txt"));
        assertArrayEquals(BIG, fetch(priorKnowledge, nginxH2c.url() + "/big.txt"));
    }

    @Test
    void nginxEchoesTheRequestAsItSawIt() throws Exception {
        byte[] answer = fetch(overTls, nginxTls.url() + "/echo?x=1", "-X", "POST", "--data-binary", "abc",
                "-H", "te: trailers", "-H", "cookie: a=1", "-H", "cookie: b=2", "-H", "content-type: text/x-test");
        Map<String, String> echo = NginxH2Origin.echo(new String(answer, StandardCharsets.US_ASCII));
        assertEquals("POST", echo.get("method"));
        assertEquals("/echo?x=1", echo.get("uri"));
        assertEquals("HTTP/2.0", echo.get("protocol"));
        assertEquals("h2", echo.get("http2"));
        assertEquals("https", echo.get("scheme"));
        assertEquals("127.0.0.1", echo.get("host"));
        assertEquals("trailers", echo.get("te"));
        // HTTP/2 carries each cookie in its own field; nginx joins them (RFC 9113 §8.2.3).
        assertEquals("a=1; b=2", echo.get("cookie"));
        assertEquals("3", echo.get("content_length"));
        assertEquals("text/x-test", echo.get("content_type"));

        Map<String, String> h2c = NginxH2Origin.echo(new String(fetch(priorKnowledge, nginxH2c.url() + "/echo"),
                StandardCharsets.US_ASCII));
        assertEquals("h2c", h2c.get("http2"));
        assertEquals("HTTP/2.0", h2c.get("protocol"));
        try (RawHttp http = new RawHttp(nginxTls.http1Port())) {
            assertEquals("HTTP/1.1", NginxH2Origin.echo(http.exchange("GET", "/echo", null).text()).get("protocol"));
        }
    }

    @Test
    void nginxStoresAnUploadExactly() throws Exception {
        Curl.Result result = overTls.run(nginxTls.url() + "/upload/h2.bin", "-X", "PUT", "--data-binary", "@" + upload);
        assertEquals(201, result.last().status());
        assertArrayEquals(UPLOAD, Files.readAllBytes(nginxTls.uploads.resolve("h2.bin")));
    }

    @Test
    void nginxCountsTheConnectionsAnH2ClientOpened() throws Exception {
        long before = nginxTls.acceptedConnections();
        fetch(overTls, nginxTls.url() + "/small.txt");
        // curl's one connection, and the status query's own.
        assertEquals(before + 2, nginxTls.acceptedConnections());
        List<String> log = nginxTls.accessLog();
        assertTrue(log.stream().anyMatch(line -> line.startsWith("HTTP/2.0 ") && line.contains(" GET /small.txt 200 ")),
                "access log: " + log);
    }

    @Test
    void nginxAnswersEmptyBodies() throws Exception {
        Curl.Result noContent = overTls.run(nginxTls.url() + "/empty", "-w", "%{http_version}");
        assertEquals("2", noContent.stdout());
        assertEquals(204, noContent.last().status());
        assertEquals(0, noContent.body().length);
        assertArrayEquals(new byte[0], fetch(priorKnowledge, nginxH2c.url() + "/empty.txt"));
        assertArrayEquals(new byte[0], fetch(overTls, nghttpdTls.url() + "/empty.txt"));
    }

    @Test
    void nginxTlsHttp1PortOffersOnlyHttp11() throws Exception {
        // curl --http2 offers h2 and http/1.1 in ALPN: the port without http2 picks http/1.1.
        Curl.Result result = overTls.run("https://127.0.0.1:" + nginxTls.tlsHttp1Port() + "/small.txt",
                "-w", "%{http_version}");
        assertEquals("1.1", result.stdout());
        assertEquals(200, result.last().status());
        assertArrayEquals(small(), result.body());
    }

    @Test
    void nginxEchoReadCountsTheWholeBody() throws Exception {
        Curl.Result result = priorKnowledge.run(nginxH2c.url() + "/echo-read", "--data-binary", "@" + upload,
                "-w", "%{http_version}");
        assertEquals("2", result.stdout());
        assertEquals(200, result.last().status());
        assertEquals("HTTP/2.0", result.last().header("x-seen-protocol"));
        assertEquals("h2c", result.last().header("x-seen-http2"));
        assertEquals("POST", result.last().header("x-seen-method"));
        assertEquals(String.valueOf(UPLOAD.length), result.last().header("x-seen-content-length"));
        Map<String, String> echo = NginxH2Origin.echo(new String(result.body(), StandardCharsets.US_ASCII));
        assertEquals("POST", echo.get("method"));
        assertEquals(String.valueOf(UPLOAD.length), echo.get("content_length"));
    }
}
