package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real client (curl, HTTP/1.1) through the proxy to a real nginx: the message shapes a proxy most
 * easily frames wrong, each checked for status, headers and the exact body bytes.
 */
final class CurlNginxInteropTest {

    private static final byte[] BIG = Bodies.letters(1);
    private static final byte[] UPLOAD = Bodies.binary(2);

    @TempDir
    static Path dir;
    static NginxOrigin nginx;
    static InteropProxy proxy;
    static Resources resources;
    static Curl curl;
    static Path upload;

    @BeforeAll
    static void start() throws Exception {
        nginx = NginxOrigin.start(dir);
        curl = new Curl(Files.createDirectories(dir.resolve("curl")));
        upload = Files.write(dir.resolve("upload.bin"), UPLOAD);
        proxy = new InteropProxy(nginx.port());
        resources = Resources.baseline(proxy);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            System.err.println("interop curl: proxy errors " + proxy.errors() + " | " + proxy.stats());
        }
        if (proxy != null) {
            proxy.close();
        }
        if (nginx != null) {
            nginx.close();
        }
    }

    @AfterEach
    void resourcesBack(TestInfo test) {
        resources.assertBackToBaseline(test.getDisplayName());
    }

    private static String viaProxy(String path) {
        return "http://127.0.0.1:" + proxy.port() + path;
    }

    private static String sha256(byte[] bytes) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes);
        return bytes.length + " bytes, sha-256 " + HexFormat.of().formatHex(digest);
    }

    @Test
    void headAnswersTheLengthWithoutABodyAndTheConnectionCarriesOn() throws Exception {
        Curl.Result head = curl.run(viaProxy("/big.txt"), "--head");
        assertEquals(200, head.last().status());
        assertEquals(String.valueOf(BIG.length), head.last().header("content-length"));
        assertNotNull(head.last().header("etag"));
        // With --head, curl's output is the head itself: anything after its blank line would be body.
        String output = new String(head.body(), StandardCharsets.ISO_8859_1);
        assertEquals(output.length() - 4, output.indexOf("\r\n\r\n"), "bytes after the HEAD response's head");
        // A proxy that expects a body after HEAD would hand the GET's answer a stray body, or hang.
        try (RawHttp http = new RawHttp(proxy.port())) {
            RawHttp.Response raw = http.exchange("HEAD", "/big.txt", null);
            assertEquals(String.valueOf(BIG.length), raw.header("content-length"));
            RawHttp.Response next = http.exchange("GET", "/get?id=7", null);
            assertEquals(200, next.status());
            assertEquals(Bodies.get(7), next.text());
        }
    }

    @Test
    void noContentArrivesWithoutBodyOrFraming() throws Exception {
        Curl.Result result = curl.run(viaProxy("/empty"));
        assertEquals(204, result.last().status());
        assertEquals(0, result.body().length);
        // RFC 9110 §8.6: no Content-Length in a 204; RFC 9112 §6.1: no Transfer-Encoding either.
        assertFalse(result.last().has("content-length"),
                "Content-Length on a 204: " + result.last().header("content-length"));
        assertFalse(result.last().has("transfer-encoding"), "Transfer-Encoding on a 204");
    }

    @Test
    void conditionalGetsAnswer304WithoutABody() throws Exception {
        Curl.Result full = curl.run(viaProxy("/small.txt"));
        assertEquals(200, full.last().status());
        assertEquals(2048, full.body().length);
        String etag = full.last().header("etag");
        String lastModified = full.last().header("last-modified");
        assertNotNull(etag);
        assertNotNull(lastModified);

        for (String condition : List.of("If-None-Match: " + etag, "If-Modified-Since: " + lastModified)) {
            Curl.Result result = curl.run(viaProxy("/small.txt"), "-H", condition);
            assertEquals(304, result.last().status(), condition);
            assertEquals(0, result.body().length, condition);
            assertEquals(etag, result.last().header("etag"), condition);
            assertFalse(result.last().has("transfer-encoding"), "Transfer-Encoding on a 304 (" + condition + ")");
        }
    }

    @Test
    void chunkedResponseArrivesExactly() throws Exception {
        // The premise: nginx itself answers this one chunked (SSI drops the length).
        Curl.Result direct = curl.run("http://127.0.0.1:" + nginx.port() + "/chunked/big.txt");
        assertEquals("chunked", direct.last().header("transfer-encoding"));

        Curl.Result result = curl.run(viaProxy("/chunked/big.txt"));
        assertEquals(200, result.last().status());
        assertEquals(sha256(BIG), sha256(result.body()));
    }

    @Test
    void chunkedUploadArrivesExactly() throws Exception {
        Curl.Result result = curl.run(viaProxy("/upload/chunked.bin"), "-X", "PUT",
                "-H", "Transfer-Encoding: chunked", "-H", "Expect:", "--data-binary", "@" + upload);
        assertEquals(201, result.last().status());
        assertEquals(sha256(UPLOAD), sha256(Files.readAllBytes(nginx.uploads.resolve("chunked.bin"))));
    }

    @Test
    void expectContinueUploadGets100ThenArrivesExactly() throws Exception {
        // A proxy that never answers 100 would make curl wait out --expect100-timeout and then send anyway.
        Curl.Result result = curl.run(viaProxy("/upload/expect.bin"), "-X", "PUT",
                "-H", "Expect: 100-continue", "--expect100-timeout", "10", "--data-binary", "@" + upload);
        assertEquals(List.of(100, 201), result.heads().stream().map(Curl.Head::status).toList());
        assertEquals(sha256(UPLOAD), sha256(Files.readAllBytes(nginx.uploads.resolve("expect.bin"))));
    }

    @Test
    void oneMibRequestBodyArrivesExactly() throws Exception {
        Curl.Result result = curl.run(viaProxy("/upload/plain.bin"), "-X", "PUT", "-H", "Expect:",
                "--data-binary", "@" + upload);
        assertEquals(201, result.last().status());
        assertEquals(sha256(UPLOAD), sha256(Files.readAllBytes(nginx.uploads.resolve("plain.bin"))));
    }

    @Test
    void anAnswerBeforeTheOneMibUploadEndedReachesTheClient() throws Exception {
        // nginx's "return" answers at once and discards the body as it comes: the upstream answers
        // while the proxy is still sending it.
        Curl.Result post = curl.run(viaProxy("/post?id=9"), "-H", "Expect:", "--data-binary", "@" + upload);
        assertEquals(200, post.last().status());
        assertEquals(Bodies.post(9, UPLOAD.length), new String(post.body(), StandardCharsets.US_ASCII));
    }

    @Test
    void oneMibResponseBodyArrivesExactly() throws Exception {
        Curl.Result result = curl.run(viaProxy("/big.txt"));
        assertEquals(200, result.last().status());
        assertEquals(String.valueOf(BIG.length), result.last().header("content-length"));
        assertEquals(sha256(BIG), sha256(result.body()));
    }
}
