package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.upstreams.Alpn;

/**
 * Real HTTP/2 clients (curl {@code --http2} over TLS and {@code --http2-prior-knowledge}, nghttp,
 * h2load) through the proxy to a real HTTP/1.1 origin (nginx): bodies of 0 B, 2 KiB and 1 MiB both
 * ways, checked byte for byte, and an upload without a length (chunked towards HTTP/1.1).
 */
final class H2ClientInteropTest {

    @TempDir
    static Path dir;
    static NginxOrigin nginx;
    static H2EdgeProxy proxy;

    @BeforeAll
    static void start() throws Exception {
        nginx = NginxOrigin.start(dir.resolve("nginx"));
        proxy = new H2EdgeProxy("127.0.0.1:" + nginx.port(), false, o -> o.alpn(Alpn.H1), o -> o);
    }

    @AfterAll
    static void stop() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (nginx != null) {
            nginx.close();
        }
    }

    private static Curl tlsCurl() {
        return new Curl(dir, "--http2", "--cacert", TestCerts.file("ca.crt").toString());
    }

    private static String tls(String path) {
        return "https://localhost:" + proxy.tlsPort() + path;
    }

    @Test
    void curlOverTlsNegotiatesH2AndGetsEveryByte() throws Exception {
        Curl curl = tlsCurl();
        for (String file : List.of("small.txt", "big.txt")) {
            Curl.Result r = curl.run(tls("/" + file), "-w", "%{http_version}");
            assertEquals("2", r.stdout().trim(), "curl negotiated HTTP/" + r.stdout());
            assertArrayEquals(Files.readAllBytes(nginx.root.resolve(file)), r.body(), file);
        }
        Curl.Result empty = curl.run(tls("/empty"), "-w", "%{http_version}");
        assertEquals(204, empty.heads().get(empty.heads().size() - 1).status());
    }

    @Test
    void curlPriorKnowledgeOnThePlainPort() throws Exception {
        Curl curl = new Curl(dir, "--http2-prior-knowledge");
        Curl.Result r = curl.run("http://127.0.0.1:" + proxy.plainPort() + "/small.txt", "-w", "%{http_version}");
        assertEquals("2", r.stdout().trim());
        assertArrayEquals(Files.readAllBytes(nginx.root.resolve("small.txt")), r.body());
    }

    @Test
    void uploadsOfEverySizeAndWithoutALengthArriveWhole() throws Exception {
        Curl curl = tlsCurl();
        Random random = new Random(3);
        for (int size : new int[] {0, 2048, 1 << 20}) {
            byte[] body = new byte[size];
            random.nextBytes(body);
            Path file = dir.resolve("up-" + size);
            Files.write(file, body);
            Curl.Result r = curl.run(tls("/upload/h2-" + size), "-T", file.toString(), "-w", "%{http_version}");
            assertEquals("2", r.stdout().trim());
            int status = r.heads().get(r.heads().size() - 1).status();
            assertTrue(status == 201 || status == 204, "PUT of " + size + " bytes: " + status);
            assertArrayEquals(body, Files.readAllBytes(nginx.uploads.resolve("h2-" + size)), size + " bytes");
        }
        // From a pipe: no Content-Length, so DATA frames until END_STREAM, chunked towards nginx.
        byte[] streamed = new byte[300_000];
        random.nextBytes(streamed);
        Path file = dir.resolve("streamed");
        Files.write(file, streamed);
        Process p = new ProcessBuilder("/bin/sh", "-c", "cat '" + file + "' | curl -q --http2 --cacert '"
                + TestCerts.file("ca.crt") + "' -sS --max-time 30 -o /dev/null -w '%{http_code}' -T - '"
                + tls("/upload/h2-streamed") + "'").redirectErrorStream(true).start();
        assertTrue(p.waitFor(40, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        assertTrue(out.endsWith("201") || out.endsWith("204"), out);
        assertArrayEquals(streamed, Files.readAllBytes(nginx.uploads.resolve("h2-streamed")));
    }

    @Test
    void nghttpAndH2loadAsClients() throws Exception {
        Path nghttp = RealServers.require("nghttp");
        Process get = new ProcessBuilder(nghttp.toString(), "-n", "-s", tls("/big.txt"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("nghttp.out").toFile()).start();
        assertTrue(get.waitFor(30, TimeUnit.SECONDS));
        String stats = Files.readString(dir.resolve("nghttp.out"));
        assertEquals(0, get.exitValue(), stats);
        assertTrue(stats.contains("200") || stats.contains("/big.txt"), stats);

        Path h2load = RealServers.require("h2load");
        List<String> command = new ArrayList<>(List.of(h2load.toString(), "-n", "2000", "-c", "8", "-m", "10",
                tls("/small.txt")));
        Process load = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("h2load.out").toFile()).start();
        assertTrue(load.waitFor(60, TimeUnit.SECONDS));
        String report = Files.readString(dir.resolve("h2load.out"));
        assertEquals(0, load.exitValue(), report);
        assertTrue(report.contains("2000 succeeded, 0 failed, 0 errored"), report);
        assertTrue(report.contains("Application protocol: h2"), report);
        assertTrue(report.contains("2000 2xx"), report);
    }

    @Test
    void streamsCutOffByTheClientsEndAllFinish() throws Exception {
        // h2load -D stops with 10 streams in flight on each of its 8 connections and closes them:
        // every one of those requests must end (logged, counted out), none left hanging.
        Path h2load = RealServers.require("h2load");
        Process load = new ProcessBuilder(h2load.toString(), "-D", "2", "-c", "8", "-m", "10", tls("/big.txt"))
                .redirectErrorStream(true).redirectOutput(dir.resolve("h2load-cut.out").toFile()).start();
        assertTrue(load.waitFor(60, TimeUnit.SECONDS));
        org.pingora4j.proxy.Await.until("no request left in flight", java.time.Duration.ofSeconds(20),
                () -> proxy.service.requestsInFlight() == 0,
                () -> proxy.service.requestsInFlight() + " in flight");
        org.pingora4j.proxy.Await.until("no client connection left", java.time.Duration.ofSeconds(20),
                () -> proxy.service.openConnections() == 0);
    }
}
