package org.pingora4j.core.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pingora4j.core.server.Opt;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.server.ShutdownMode;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.LeakCheckExtension;

/** The Prometheus service on a real server: what it serves, where, in which format, and that it closes. */
@ExtendWith(LeakCheckExtension.class)
final class PrometheusServiceTest {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private Server server;
    private PrometheusService service;

    @BeforeEach
    void start() {
        server = new Server(Opt.defaults(), ServerConf.defaults());
        service = PrometheusService.prometheusHttpService(registry);
        service.addTcp("127.0.0.1:0");
        server.addService(service);
        server.start();
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdown(ShutdownMode.FAST).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void getMetricsServesTheRegistryInTheTextFormatAndFollowsItsChanges() throws Exception {
        Counter hits = Counter.builder("test.hits").tag("kind", "a").register(registry);
        hits.increment(3);
        HttpResponse<String> first = send(request("/metrics").GET().build());
        hits.increment();
        HttpResponse<String> second = send(request("/metrics?x=1").GET().build());

        assertEquals(200, first.statusCode());
        assertEquals("text/plain; version=0.0.4; charset=utf-8", first.headers().firstValue("content-type").orElse(""));
        assertTrue(first.body().contains("test_hits_total{kind=\"a\"} 3.0"), first.body());
        assertTrue(second.body().contains("test_hits_total{kind=\"a\"} 4.0"), second.body());
        assertEquals(PrometheusService.DEFAULT_NAME, service.name());
    }

    @Test
    void anOpenMetricsAcceptGetsOpenMetrics() throws Exception {
        Counter.builder("test.hits").register(registry).increment();
        HttpResponse<String> response = send(request("/metrics")
                .header("Accept", "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5").GET().build());

        assertEquals(200, response.statusCode());
        assertEquals("application/openmetrics-text; version=1.0.0; charset=utf-8",
                response.headers().firstValue("content-type").orElse(""));
        assertTrue(response.body().strip().endsWith("# EOF"), response.body());
    }

    @Test
    void otherPathsAre404AndOtherMethods405() throws Exception {
        HttpResponse<String> elsewhere = send(request("/").GET().build());
        HttpResponse<String> post = send(request("/metrics").POST(HttpRequest.BodyPublishers.ofString("x")).build());
        HttpResponse<String> head = send(request("/metrics").method("HEAD", HttpRequest.BodyPublishers.noBody()).build());

        assertEquals(404, elsewhere.statusCode());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("allow").orElse(""));
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
    }

    @Test
    void theEndpointClosesWithTheServer() throws Exception {
        HttpRequest scrape = request("/metrics").GET().build();
        assertEquals(200, send(scrape).statusCode());

        server.shutdown(ShutdownMode.FAST).toCompletableFuture().get(10, TimeUnit.SECONDS);

        IOException refused = assertThrows(IOException.class, () -> HttpClient.newHttpClient()
                .send(scrape, HttpResponse.BodyHandlers.ofString()));
        assertTrue(refused instanceof ConnectException || refused.getCause() instanceof ConnectException, refused.toString());
    }

    @Test
    void aMissingNameOrRegistryIsRefusedByName() {
        assertEquals("name", assertThrows(NullPointerException.class, () -> new PrometheusService(null, registry)).getMessage());
        assertEquals("registry", assertThrows(NullPointerException.class,
                () -> PrometheusService.prometheusHttpService(null)).getMessage());
    }

    private HttpRequest.Builder request(String path) {
        int port = service.boundAddresses().get(0).getPort();
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
    }

    private HttpResponse<String> send(HttpRequest request) throws Exception {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
