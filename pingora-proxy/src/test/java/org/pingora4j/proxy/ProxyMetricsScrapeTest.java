package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.Opt;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.server.ShutdownMode;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.PrometheusService;
import org.pingora4j.core.testing.LeakCheckExtension;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * A proxy with metrics on and the Prometheus service on a real server: traffic through the proxy
 * to a loopback origin moves the scraped series (pool, connector, requests, errors, retries, in
 * flight).
 */
@ExtendWith(LeakCheckExtension.class)
final class ProxyMetricsScrapeTest {

    private static final Duration CAP = Duration.ofSeconds(10);
    private static final String SERVICE = "service=proxy";

    /** To the origin, except {@code /dead} to a closed port; retries a failed connect once. */
    private static final class RoutingProxy implements ProxyHttp<Void> {
        private final String origin;
        private final String dead;

        RoutingProxy(String origin, String dead) {
            this.origin = origin;
            this.dead = dead;
        }

        @Override
        public Void newCtx() {
            return null;
        }

        @Override
        public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
            String address = session.reqHeader().uri().startsWith("/dead") ? dead : origin;
            return CompletableFuture.completedStage(new HttpPeer(address, false, "")
                    .withOptions(o -> o.connectionTimeout(Duration.ofSeconds(5))));
        }

        @Override
        public PingoraException failToConnect(Session session, HttpPeer peer, Void ctx, PingoraException e) {
            return e.setRetry(session.retries() == 0); // one retry, not the default max_retries
        }
    }

    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void scrapedSeriesMoveWithTrafficThroughTheProxy() throws Exception {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        CompletableFuture<TestOrigin.Exchange> held = new CompletableFuture<>();
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                String uri = ex.request().uri();
                if (uri.equals("/held")) {
                    held.complete(ex);
                } else if (uri.equals("/missing")) {
                    ex.reply(HttpResponseStatus.NOT_FOUND, "no");
                } else {
                    ex.reply(HttpResponseStatus.OK, "hello");
                }
            });
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            Server server = new Server(Opt.defaults(), ServerConf.defaults());
            ProxyService<Void> proxy = ProxyService.builder(server.conf(),
                            new RoutingProxy(origin.address(), "127.0.0.1:" + deadPort))
                    .name("proxy")
                    .metrics(registry)
                    .build();
            proxy.addTcp("127.0.0.1:0");
            PrometheusService prometheus = PrometheusService.prometheusHttpService(registry);
            prometheus.addTcp("127.0.0.1:0");
            server.addServices(proxy, prometheus);
            server.start();
            try {
                URI proxyUri = URI.create("http://127.0.0.1:" + proxy.boundAddresses().get(0).getPort());
                URI metricsUri = URI.create("http://127.0.0.1:" + prometheus.boundAddresses().get(0).getPort() + "/metrics");

                PrometheusScrape before = scrape(metricsUri);
                assertEquals(0, before.value("pingora_proxy_requests_total", SERVICE, "status=2xx"));
                assertEquals(0, before.value("pingora_pool_misses_total", SERVICE));
                assertEquals(0, before.value("pingora_proxy_requests_inflight", SERVICE));

                for (int i = 0; i < 3; i++) {
                    assertEquals(200, get(proxyUri.resolve("/ok")).statusCode());
                }
                assertEquals(404, get(proxyUri.resolve("/missing")).statusCode());
                // A request is counted once its last write completed, which the client may see
                // before it happens: wait for the last one, bounded.
                Await.until("the 404 counted", CAP,
                        () -> scrapeQuietly(metricsUri).value("pingora_proxy_requests_total", SERVICE, "status=4xx") == 1);
                PrometheusScrape afterOk = scrape(metricsUri);
                assertEquals(3, afterOk.value("pingora_proxy_requests_total", SERVICE, "status=2xx"));
                assertEquals(1, afterOk.value("pingora_proxy_requests_total", SERVICE, "status=4xx"));
                assertEquals(1, afterOk.value("pingora_pool_misses_total", SERVICE));
                assertEquals(3, afterOk.value("pingora_pool_hits_total", SERVICE));
                assertEquals(4, afterOk.value("pingora_pool_puts_total", SERVICE));
                assertEquals(1, afterOk.value("pingora_pool_idle", SERVICE));
                assertEquals(0.75, afterOk.value("pingora_pool_reuse_ratio", SERVICE), 1e-9);
                assertEquals(1, afterOk.value("pingora_connector_connections_opened_total", SERVICE));
                assertEquals(1, afterOk.value("pingora_connector_connect_time_seconds_count", SERVICE));
                assertEquals(4, afterOk.value("pingora_proxy_upstream_response_time_seconds_count", SERVICE));
                assertTrue(afterOk.value("pingora_proxy_upstream_response_time_seconds_sum", SERVICE) > 0);

                assertEquals(502, get(proxyUri.resolve("/dead")).statusCode());
                Await.until("the 502 counted", CAP,
                        () -> scrapeQuietly(metricsUri).value("pingora_proxy_requests_total", SERVICE, "status=5xx") == 1);
                PrometheusScrape afterDead = scrape(metricsUri);
                assertEquals(1, afterDead.value("pingora_proxy_errors_total", SERVICE, "error=CONNECT_REFUSED"));
                assertFalse(afterDead.has("pingora_proxy_errors_total", SERVICE, "error=CONNECT_TIMEDOUT"),
                        "no series for an error that never happened");
                assertEquals(1, afterDead.value("pingora_proxy_retries_total", SERVICE));
                assertEquals(1, afterDead.value("pingora_proxy_requests_total", SERVICE, "status=5xx"));
                assertEquals(2, afterDead.value("pingora_connector_connect_failures_total", SERVICE, "error=CONNECT_REFUSED"));

                CompletableFuture<HttpResponse<String>> slow = client.sendAsync(request(proxyUri.resolve("/held")),
                        HttpResponse.BodyHandlers.ofString());
                TestOrigin.Exchange waiting = held.get(CAP.toSeconds(), TimeUnit.SECONDS);
                assertEquals(1, scrape(metricsUri).value("pingora_proxy_requests_inflight", SERVICE));
                waiting.reply(HttpResponseStatus.OK, "late");
                assertEquals(200, slow.get(CAP.toSeconds(), TimeUnit.SECONDS).statusCode());
                // The request leaves the in-flight count once its last write completed, which the
                // client may see before it happens: wait for it, bounded.
                Await.until("in flight back to 0", CAP,
                        () -> scrapeQuietly(metricsUri).value("pingora_proxy_requests_inflight", SERVICE) == 0);
                assertEquals(4, scrape(metricsUri).value("pingora_proxy_requests_total", SERVICE, "status=2xx"));
            } finally {
                server.shutdown(ShutdownMode.FAST).toCompletableFuture().get(CAP.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    private HttpRequest request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(CAP).GET().build();
    }

    private HttpResponse<String> get(URI uri) throws Exception {
        return client.send(request(uri), HttpResponse.BodyHandlers.ofString());
    }

    private PrometheusScrape scrape(URI metrics) throws Exception {
        HttpResponse<String> response = get(metrics);
        assertEquals(200, response.statusCode());
        return new PrometheusScrape(response.body());
    }

    private PrometheusScrape scrapeQuietly(URI metrics) {
        try {
            return scrape(metrics);
        } catch (Exception e) {
            throw new AssertionError("scrape failed", e);
        }
    }
}
