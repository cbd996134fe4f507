package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The distribution's launcher, {@code bin/pingora4j-examples}: it starts the jar with the flags of
 * {@code conf/jvm.options}, which the JVM accepts, and lets {@code JAVA_OPTS} replace them and
 * {@code PINGORA4J_OPTS} add to them.
 */
final class LauncherIT {

    private static final Path DIST = Path.of(System.getProperty("examples.dist", "target/dist"));
    private static final Path LAUNCHER = DIST.resolve("bin/pingora4j-examples");
    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();

    private static List<String> options() throws IOException {
        return Files.readAllLines(DIST.resolve("conf/jvm.options")).stream()
                .map(l -> l.replaceAll("#.*", "").trim()).filter(l -> !l.isEmpty()).toList();
    }

    /** Runs the launcher with {@code env} and {@code args}; returns what it printed, and its exit status. */
    private static String[] run(Map<String, String> env, String... args) throws Exception {
        ProcessBuilder b = new ProcessBuilder();
        b.command().add(LAUNCHER.toString());
        b.command().addAll(List.of(args));
        b.environment().remove("JAVA_OPTS");
        b.environment().remove("PINGORA4J_OPTS");
        b.environment().putAll(env);
        b.redirectErrorStream(true);
        Process p = b.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher returned");
        return new String[] {out.trim(), String.valueOf(p.exitValue())};
    }

    @Test
    void itStartsTheJarWithTheDocumentedFlags() throws Exception {
        String jar = DIST.resolve("lib/pingora4j-examples.jar").toRealPath().toString();
        String[] echoed = run(Map.of("JAVA", "echo"), "demo", "--x");
        assertEquals(String.join(" ", options()) + " -jar " + jar + " demo --x", echoed[0]);
        assertTrue(options().contains("-XX:+ExitOnOutOfMemoryError"), options().toString());

        assertEquals("-Xmx32m -jar " + jar + " -V", run(Map.of("JAVA", "echo", "JAVA_OPTS", "-Xmx32m"), "-V")[0],
                "JAVA_OPTS replaces the file's flags");
        assertEquals(String.join(" ", options()) + " -Xmx128m -jar " + jar + " -V",
                run(Map.of("JAVA", "echo", "PINGORA4J_OPTS", "-Xmx128m"), "-V")[0], "PINGORA4J_OPTS adds to them");
    }

    @Test
    void theJvmAcceptsTheFlagsAndTheProxyServesWithThem() throws Exception {
        String[] version = run(Map.of("JAVA", JAVA), "--version");
        assertEquals("0", version[1], version[0]);
        assertTrue(version[0].startsWith("pingora4j-examples "), version[0]);

        HttpServer origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        origin.createContext("/", exchange -> {
            byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        origin.start();
        int listen;
        try (ServerSocket free = new ServerSocket(0)) {
            listen = free.getLocalPort();
        }
        ProcessBuilder b = new ProcessBuilder(LAUNCHER.toString(), "my-first-proxy", "--no-tls",
                "--upstream", "127.0.0.1:" + origin.getAddress().getPort(), "--listen", "127.0.0.1:" + listen);
        b.environment().put("JAVA", JAVA);
        b.environment().remove("JAVA_OPTS");
        b.redirectError(ProcessBuilder.Redirect.DISCARD);
        Process proxy = b.start();
        try {
            // "running on" is printed once the listener is bound (start, then say so).
            java.io.BufferedReader out = new java.io.BufferedReader(
                    new java.io.InputStreamReader(proxy.getInputStream(), StandardCharsets.UTF_8));
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.startsWith("my-first-proxy running on"));
            assertTrue(line != null, "the proxy said it runs");
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + listen + "/"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals("hello", response.body());
            // Serving, so the launcher has exec'd java: its process is the JVM, and its command line has the flags.
            String cmdline = Files.readString(Path.of("/proc/" + proxy.pid() + "/cmdline")).replace('\0', ' ');
            for (String flag : options()) {
                assertTrue(cmdline.contains(flag), flag + " in " + cmdline);
            }
        } finally {
            ExamplesJarIT.stop(proxy);
            origin.stop(0);
        }
        assertEquals(0, proxy.exitValue(), "SIGTERM: a graceful shutdown, then exit 0");
    }
}
