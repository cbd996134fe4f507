package org.pingora4j.examples;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.connectors.http.ConnectorStats;
import org.pingora4j.core.server.ShutdownMode;
import org.pingora4j.pool.PoolStats;

/**
 * The README's run command: the chapter's {@link PooledProxy}, end to end, with no internet. It
 * starts a local HTTPS origin for {@code api.example.com} (certificate from a demo CA only the demo
 * trusts; the name resolves to 127.0.0.1 inside the proxy only), runs the real example code in front
 * of it, sends requests through, and shows what pooling did.
 */
public final class Demo {

    /** What the demo observed. */
    public record Report(int requests, int upstreamHandshakes, double reuseRatio, PoolStats pool,
                         List<String> reusedLines) {
    }

    private Demo() {
    }

    /** Runs the demo and prints its report; a failure ends the program with an exception. */
    public static void main(String[] args) throws Exception {
        run(System.out, 20, 8, 5);
    }

    /**
     * Runs {@code sequential} requests one after the other, then {@code clients} clients sending
     * {@code perClient} requests each at the same time.
     */
    public static Report run(PrintStream out, int sequential, int clients, int perClient) throws Exception {
        BlockingQueue<String> reusedLines = new LinkedBlockingQueue<>();
        List<String> allLines = new ArrayList<>();
        try (DemoOrigin origin = DemoOrigin.start()) {
            ExampleSettings settings = ExampleSettings.parse(
                    "--upstream", "api.example.com:" + origin.port(),
                    "--ca-file", DemoOrigin.demoCaFile().toString(),
                    "--resolve", "api.example.com=127.0.0.1",
                    "--listen", "127.0.0.1:0");
            PooledProxy.Built built = PooledProxy.build(settings, reusedLines::add);
            built.server().start();
            try {
                int proxyPort = built.service().boundAddresses().get(0).getPort();
                out.println("pingora4j demo: the connection-pool chapter's PooledProxy, end to end, on this machine");
                out.println("  origin  https://api.example.com:" + origin.port()
                        + "  (127.0.0.1; certificate from a demo CA only this demo trusts)");
                out.println("  proxy   http://127.0.0.1:" + proxyPort + "  -> api.example.com over TLS ("
                        + built.service().connector().transport().tlsProvider() + "), SNI api.example.com, "
                        + "pool of " + built.service().connector().stats().pool().capacity());
                out.println();

                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(Duration.ofSeconds(5)).build();
                out.println(sequential + " requests, one after the other:");
                for (int i = 1; i <= sequential; i++) {
                    HttpResponse<String> response = client.send(request(proxyPort, "/v1/items/" + i),
                            HttpResponse.BodyHandlers.ofString());
                    String line = reusedLines.poll(10, TimeUnit.SECONDS);
                    allLines.add(line);
                    out.printf(Locale.ROOT, "  #%-3d GET /v1/items/%-3d -> %d   %s%n", i, i, response.statusCode(), line);
                    check(response);
                }
                out.println();
                out.println(clients + " clients sending " + perClient + " requests each, at the same time:");
                List<CompletableFuture<Void>> running = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                    int clientId = c;
                    running.add(CompletableFuture.runAsync(() -> {
                        for (int i = 0; i < perClient; i++) {
                            try {
                                check(own.send(request(proxyPort, "/v1/clients/" + clientId + "/" + i),
                                        HttpResponse.BodyHandlers.ofString()));
                            } catch (Exception e) {
                                throw new IllegalStateException("request through the proxy failed", e);
                            }
                        }
                    }));
                }
                CompletableFuture.allOf(running.toArray(new CompletableFuture<?>[0])).get(60, TimeUnit.SECONDS);
                for (int i = 0; i < clients * perClient; i++) {
                    String line = reusedLines.poll(10, TimeUnit.SECONDS);
                    allLines.add(line);
                }
                long concurrentReused = allLines.subList(sequential, allLines.size()).stream()
                        .filter("Connection reused: true"::equals).count();
                out.println("  " + clients * perClient + " requests, " + concurrentReused + " on reused connections");
            } finally {
                built.server().shutdown(ShutdownMode.GRACEFUL).toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            ConnectorStats stats = built.service().connector().stats();
            int total = sequential + clients * perClient;
            Report report = new Report(total, origin.connections(), stats.reuseRatio(), stats.pool(), List.copyOf(allLines));
            out.println();
            out.println("Summary");
            out.printf(Locale.ROOT, "  requests through the proxy   %d%n", total);
            out.printf(Locale.ROOT, "  upstream TLS handshakes      %d   (connections the origin accepted)%n", origin.connections());
            out.printf(Locale.ROOT, "  reuse ratio                  %.1f%%  (requests sent on a pooled connection)%n",
                    100 * stats.reuseRatio());
            out.printf(Locale.ROOT, "  pool                         hits %d, misses %d, puts %d, evictions %d, expirations %d, "
                            + "removed by the watcher %d, closed at shutdown %d%n",
                    stats.pool().hits(), stats.pool().misses(), stats.pool().puts(), stats.pool().evictions(),
                    stats.pool().expirations(), stats.pool().removals(), stats.pool().drained());
            if (origin.requests() != total || !origin.hosts().stream().allMatch("api.example.com"::equals)) {
                throw new IllegalStateException("the origin saw " + origin.requests() + " requests, hosts " + origin.hosts());
            }
            return report;
        }
    }

    private static HttpRequest request(int proxyPort, String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxyPort + path))
                .timeout(Duration.ofSeconds(10)).build();
    }

    private static void check(HttpResponse<String> response) {
        if (response.statusCode() != 200 || !response.body().contains("\"host\":\"api.example.com\"")) {
            throw new IllegalStateException("unexpected response " + response.statusCode() + ": " + response.body());
        }
    }
}
