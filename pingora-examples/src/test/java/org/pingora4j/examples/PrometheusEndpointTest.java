package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pingora4j.core.server.Opt;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.server.ShutdownMode;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.LeakCheckExtension;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;

/** The metrics guide's example: the proxy's pool series, scraped from the endpoint, follow its traffic. */
@ExtendWith(LeakCheckExtension.class)
final class PrometheusEndpointTest {

    @Test
    void theGuidesProxyServesItsPoolSeriesOnTheMetricsAddress() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            ProxyHttp<Void> toOrigin = new ProxyHttp<>() {
                @Override
                public Void newCtx() {
                    return null;
                }

                @Override
                public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
                    return CompletableFuture.completedStage(new HttpPeer(origin.address(), false, ""));
                }
            };
            Server server = new Server(Opt.defaults(), ServerConf.defaults());
            PrometheusEndpoint.Built<Void> built =
                    PrometheusEndpoint.proxyWithMetrics(server, toOrigin, "127.0.0.1:0", "127.0.0.1:0");
            ProxyService<Void> proxy = built.proxy();
            server.start();
            try {
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                URI through = URI.create("http://127.0.0.1:" + proxy.boundAddresses().get(0).getPort() + "/");
                for (int i = 0; i < 2; i++) {
                    assertEquals(200, client.send(HttpRequest.newBuilder(through).timeout(Duration.ofSeconds(10)).build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode());
                }
                int metricsPort = built.prometheus().boundAddresses().get(0).getPort();
                HttpRequest scrape = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                        .timeout(Duration.ofSeconds(10)).build();
                String service = "service=\"pingora-http-proxy-service\""; // the default name, as a tag value
                List<String> expected = List.of(
                        "pingora_pool_misses_total{" + service + "} 1.0",
                        "pingora_pool_hits_total{" + service + "} 1.0",
                        "pingora_proxy_requests_total{" + service + ",status=\"2xx\"} 2.0");
                // A request is counted once its last write completed, which the client may see before
                // it happens: scrape until the series show it, bounded.
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                String body;
                do {
                    body = client.send(scrape, HttpResponse.BodyHandlers.ofString()).body();
                } while (!body.lines().toList().containsAll(expected) && System.nanoTime() - deadline < 0);
                for (String series : expected) {
                    assertTrue(body.lines().anyMatch(series::equals), "no line " + series + " within 10 s in:\n" + body);
                }
            } finally {
                server.shutdown(ShutdownMode.FAST).toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
        }
    }
}
