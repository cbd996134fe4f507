package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.server.ShutdownMode;

/** The chapter's complete example, as its main builds it, against a local api.example.com. */
final class PooledProxyTest {

    @Test
    void reusesFromTheSecondRequestSetsHostAndKeepsAPoolOf256() throws Exception {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        try (DemoOrigin origin = DemoOrigin.start()) {
            ExampleSettings settings = ExampleSettings.parse("--upstream", "api.example.com:" + origin.port(),
                    "--ca-file", DemoOrigin.demoCaFile().toString(), "--resolve", "api.example.com=127.0.0.1",
                    "--listen", "127.0.0.1:0");
            PooledProxy.Built built = PooledProxy.build(settings, lines::add);
            built.server().start();
            try {
                HttpClient client = HttpClient.newHttpClient();
                URI uri = URI.create("http://127.0.0.1:" + built.service().boundAddresses().get(0).getPort() + "/v1");
                for (int i = 0; i < 4; i++) {
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).build(),
                            HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, response.statusCode());
                }
                List<String> reported = List.of(poll(lines), poll(lines), poll(lines), poll(lines));
                assertEquals(List.of("Connection reused: false", "Connection reused: true",
                        "Connection reused: true", "Connection reused: true"), reported);
                assertEquals(1, origin.connections(), "one TLS handshake for four requests");
                assertTrue(origin.hosts().stream().allMatch("api.example.com"::equals), origin.hosts().toString());
                assertEquals(256, built.service().connector().stats().pool().capacity());
            } finally {
                built.server().shutdown(ShutdownMode.GRACEFUL).toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void aPingoraConfFileDecidesThePoolSize() throws Exception {
        Path conf = Path.of("src/main/resources/pingora_conf.yaml");
        PooledProxy.Built built = PooledProxy.build(ExampleSettings.parse("-c", conf.toString(), "--listen", "127.0.0.1:0"),
                line -> { });
        assertEquals(256, built.server().conf().upstreamKeepalivePoolSize());
        assertEquals("api.example.com:443", ExampleSettings.parse().upstream(), "the chapter's values are the defaults");
    }

    @Test
    void withMetricsTheScrapeShowsThePoolAndTheRequestsMovingWithTraffic() throws Exception {
        try (DemoOrigin origin = DemoOrigin.start()) {
            ExampleSettings settings = ExampleSettings.parse("--upstream", "api.example.com:" + origin.port(),
                    "--ca-file", DemoOrigin.demoCaFile().toString(), "--resolve", "api.example.com=127.0.0.1",
                    "--listen", "127.0.0.1:0", "--metrics", "127.0.0.1:0");
            PooledProxy.Built built = PooledProxy.build(settings, line -> { });
            assertTrue(built.metrics().isPresent(), "--metrics adds the Prometheus service");
            built.server().start();
            try {
                HttpClient client = HttpClient.newHttpClient();
                URI proxy = URI.create("http://127.0.0.1:" + built.service().boundAddresses().get(0).getPort() + "/v1");
                URI scrape = URI.create("http://127.0.0.1:"
                        + built.metrics().get().boundAddresses().get(0).getPort() + "/metrics");
                String before = client.send(HttpRequest.newBuilder(scrape).build(), HttpResponse.BodyHandlers.ofString()).body();
                assertEquals(0.0, series(before, "pingora_proxy_requests_total", "status=\"2xx\""), before);
                assertEquals(0.0, series(before, "pingora_pool_hits_total", ""), before);
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, client.send(HttpRequest.newBuilder(proxy).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode());
                }
                // The request counter moves just after the response went out: scrape until it shows (bounded).
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                String after;
                do {
                    after = client.send(HttpRequest.newBuilder(scrape).build(), HttpResponse.BodyHandlers.ofString()).body();
                } while (series(after, "pingora_proxy_requests_total", "status=\"2xx\"") < 3.0 && System.nanoTime() < deadline);
                assertEquals(3.0, series(after, "pingora_proxy_requests_total", "status=\"2xx\""), after);
                assertEquals(1.0, series(after, "pingora_pool_misses_total", ""), after);
                assertEquals(2.0, series(after, "pingora_pool_hits_total", ""), after);
                assertEquals(3.0, series(after, "pingora_pool_puts_total", ""), after);
            } finally {
                built.server().shutdown(ShutdownMode.GRACEFUL).toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The value of the first sample of {@code name} whose labels contain {@code label}. */
    private static double series(String scrape, String name, String label) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(name + "{") && line.contains(label)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no " + name + " with " + label + " in:\n" + scrape);
    }

    private static String poll(BlockingQueue<String> lines) throws InterruptedException {
        String line = lines.poll(10, TimeUnit.SECONDS);
        assertTrue(line != null, "a logging line per request");
        return line;
    }
}
