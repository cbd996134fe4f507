package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.netty.channel.epoll.Epoll;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.conscrypt.Conscrypt;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.MachineRequirement;

/**
 * The built executable jar, run as a user runs it: {@code java -jar pingora4j-examples.jar}. Runs in
 * the integration-test phase, after package has built the jar.
 */
final class ExamplesJarIT {

    private static final Path JAR = Path.of(System.getProperty("examples.jar", "target/pingora4j-examples.jar"));
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    @Test
    void helpFromTheJarIsTheOneHelpText() throws Exception {
        Ran ran = runToEnd("--help");
        assertEquals(0, ran.status);
        assertEquals(ExampleSettings.usage(), ran.out);
        assertEquals("", ran.err);
    }

    @Test
    void anUnknownFlagFromTheJarExitsTwoWithTheHelp() throws Exception {
        Ran ran = runToEnd("--bogus");
        assertEquals(2, ran.status);
        assertEquals("pingora4j-examples: Unknown option: '--bogus'\n" + ExampleSettings.usage(), ran.err);
    }

    @Test
    void theJarRunsPooledProxyAgainstAPlainHttpOriginReusesItsConnectionAndServesItsMetrics() throws Exception {
        HttpServer origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        origin.createContext("/", exchange -> {
            byte[] body = ("hello from the origin, Host " + exchange.getRequestHeaders().getFirst("Host"))
                    .getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        origin.start();
        int listen = freePort();
        int metrics = freePort();
        Process proxy = start("--upstream", "127.0.0.1:" + origin.getAddress().getPort(), "--no-tls",
                "--listen", "127.0.0.1:" + listen, "--threads", "2", "--metrics", "127.0.0.1:" + metrics,
                "--access-log", "json");
        try {
            Lines out = new Lines(proxy.getInputStream());
            Lines err = new Lines(proxy.getErrorStream());
            err.await(line -> line.contains("server started"));
            assertTrue(err.seen(line -> line.contains("on 2 ") && line.contains("event loop(s)")),
                    "--threads 2 gives the server two event loops: " + err.all());

            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + listen + "/hello")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                assertEquals("hello from the origin, Host 127.0.0.1", response.body());
            }
            out.await("Connection reused: false"::equals);
            out.await("Connection reused: true"::equals);
            // --access-log json: a line per request on standard output, the second on the reused connection.
            out.await(line -> line.startsWith("{\"time\":") && line.contains("\"uri\":\"/hello\"")
                    && line.contains("\"status\":200") && line.contains("\"reused\":true")
                    && line.matches(".*\"request_id\":\"[0-9a-f]{32}\".*"));

            // --metrics: JVM and process meters beside the proxy's, and the latency histograms.
            String first = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metrics + "/metrics"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
            for (String series : List.of("jvm_memory_used_bytes{", "process_cpu_usage", "process_files_open_files",
                    "pingora_proxy_request_time_seconds_bucket{")) {
                assertTrue(first.contains(series), series + " in:\n" + first);
            }

            // --metrics: the pool's and the proxy's series, scraped over HTTP, moved with the traffic.
            // The request counter moves just after the response went out: scrape until it shows (bounded).
            URI metricsUri = URI.create("http://127.0.0.1:" + metrics + "/metrics");
            List<String> expected = List.of(
                    "pingora_pool_misses_total{service=\"pingora-http-proxy-service\"} 1.0",
                    "pingora_pool_hits_total{service=\"pingora-http-proxy-service\"} 1.0",
                    "pingora_proxy_requests_total{service=\"pingora-http-proxy-service\",status=\"2xx\"} 2.0");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            String scrape;
            do {
                scrape = client.send(HttpRequest.newBuilder(metricsUri).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
            } while (!scrape.lines().toList().containsAll(expected) && System.nanoTime() < deadline);
            assertTrue(scrape.lines().toList().containsAll(expected), scrape);

            // The default transport, native epoll, loads from the jar wherever it loads at all (as
            // it does in this test's JVM): the server says which one it started on.
            MachineRequirement.require(Epoll.isAvailable(), "epoll", Epoll.unavailabilityCause());
            assertTrue(err.seen(line -> line.contains("server starting") && line.contains(" on 2 epoll event loop(s)")),
                    "the native epoll transport loads from the jar: " + err.all());
        } finally {
            stop(proxy);
            origin.stop(0);
        }
        assertEquals(0, proxy.exitValue(), "SIGTERM: a graceful shutdown, then exit 0");
    }

    /**
     * The demo from the jar: its upstream TLS runs on Conscrypt (BoringSSL), whose native library
     * loads from the jar wherever it loads at all (as it does in this test's JVM). The demo prints
     * the connector's TLS engine.
     */
    @Test
    void theJarsDemoRunsItsUpstreamTlsOnConscryptFromTheJar() throws Exception {
        Ran ran = runToEnd("demo");
        assertEquals(0, ran.status, ran.out + ran.err);
        MachineRequirement.require(Conscrypt.isAvailable(), "Conscrypt", "its native library does not load here");
        assertTrue(ran.out.lines().anyMatch(line -> line.contains("over TLS (Conscrypt)")),
                "the demo's upstream TLS engine is Conscrypt: " + ran.out);
    }

    @Test
    void theJarRunsAnExampleByNameOverTlsWithConscryptFromTheJar() throws Exception {
        try (DemoOrigin origin = DemoOrigin.start()) {
            int listen = freePort();
            Process proxy = start("idle-timeout", "--upstream", "example.com:" + origin.port(),
                    "--resolve", "example.com=127.0.0.1", "--ca-file", DemoOrigin.demoCaFile().toString(),
                    "--listen", "127.0.0.1:" + listen);
            Lines err = new Lines(proxy.getErrorStream());
            new Lines(proxy.getInputStream());
            try {
                err.await(line -> line.contains("server started"));
                HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + listen + "/idle")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode(), response.body());
                assertEquals(1, origin.connections(), "one TLS connection to the origin");
            } finally {
                stop(proxy);
            }
            // TlsContexts warns when Conscrypt is missing or fails to load; read to the end to be sure.
            assertTrue(err.untilEnd().stream().noneMatch(line -> line.contains("Conscrypt")),
                    "Conscrypt's native library loads from the jar: " + err.all());
        }
    }

    private record Ran(int status, String out, String err) {
    }

    private static Ran runToEnd(String... args) throws Exception {
        Process process = start(args);
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("java -jar did not end within 60 s");
        }
        return new Ran(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    private static Process start(String... args) throws IOException {
        assertTrue(Files.isRegularFile(JAR), JAR + " is built by package");
        List<String> command = new ArrayList<>(List.of(JAVA, "-jar", JAR.toString()));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).start();
    }

    private static String readAll(InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** The lines a process prints, read on their own thread so that waits are bounded. */
    private static final class Lines {
        private final BlockingQueue<String> unread = new LinkedBlockingQueue<>();
        private final List<String> all = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final Thread reader;

        Lines(InputStream in) {
            reader = new Thread(() -> {
                try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String line; (line = lines.readLine()) != null; ) {
                        all.add(line);
                        unread.add(line);
                    }
                } catch (IOException e) {
                    // The process ended; what it printed is in `all`.
                }
            }, "jar-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** Waits up to 60 s in all for a line matching {@code wanted}, skipping others. */
        void await(Predicate<String> wanted) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                String line = unread.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new AssertionError("no such line within 60 s; the process printed: " + all);
                }
                if (wanted.test(line)) {
                    return;
                }
            }
        }

        /** Returns every line, once the process closed the stream (bounded: 30 s). */
        List<String> untilEnd() throws InterruptedException {
            reader.join(TimeUnit.SECONDS.toMillis(30));
            if (reader.isAlive()) {
                throw new AssertionError("the process's output did not end within 30 s");
            }
            return all();
        }

        boolean seen(Predicate<String> wanted) {
            return all.stream().anyMatch(wanted);
        }

        List<String> all() {
            return List.copyOf(all);
        }
    }

    /** Sends SIGTERM and waits for the exit, forcing it after 30 s. */
    static void stop(Process process) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
