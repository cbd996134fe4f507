package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.LeakCheckExtension;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/** Metrics are off unless asked for: the default proxy records into a constant no-op. */
@ExtendWith(LeakCheckExtension.class)
final class ProxyMetricsDefaultTest {

    private static final class ToOrigin implements ProxyHttp<Void> {
        private final String origin;

        ToOrigin(String origin) {
            this.origin = origin;
        }

        @Override
        public Void newCtx() {
            return null;
        }

        @Override
        public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
            return CompletableFuture.completedStage(new HttpPeer(origin, false, ""));
        }
    }

    @Test
    void aProxyWithoutARegistryUsesTheNoOpAndServesAsBefore() throws Exception {
        try (TestOrigin origin = TestOrigin.plain();
             ProxyFixture fixture = ProxyFixture.of(new ToOrigin(origin.address()))) {
            assertEquals(200, fixture.get("/").statusCode());
            assertSame(ProxyMetrics.NONE, fixture.service.metrics());
        }
    }

    @Test
    void theNoOpReadsNoClockAndAcceptsEveryEvent() {
        assertEquals(0, ProxyMetrics.NONE.upstreamRequestSent());
        ProxyMetrics.NONE.upstreamResponded(0, null);
        ProxyMetrics.NONE.requestFinished(null, PingoraException.internal(ErrorType.INTERNAL_ERROR, "x", null), 3, 1);
    }

    @Test
    void aRegistryGetsTheProxyMetersAtBuildAndTheConnectorsAtStart() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (TestOrigin origin = TestOrigin.plain()) {
            ProxyService<Void> service = ProxyService.builder(ServerConf.defaults(), new ToOrigin(origin.address()))
                    .name("p").metrics(registry).build();
            assertInstanceOf(MicrometerProxyMetrics.class, service.metrics());
            assertEquals(6, registry.find("pingora.proxy.requests").counters().size());
            assertEquals(0, registry.find("pingora.proxy.errors").counters().size(),
                    "an error series appears when its error first happens, not before");
            assertTrue(registry.find("pingora.pool.hits").functionCounters().isEmpty());
            try (ProxyFixture fixture = new ProxyFixture(service)) {
                assertEquals(200, fixture.get("/").statusCode());
                assertEquals(1, registry.get("pingora.pool.misses").tag("service", "p").functionCounter().count());
            }
        }
    }

    @Test
    void statusCodesFallIntoTheirClassAndNoResponseIntoNone() {
        assertEquals(0, MicrometerProxyMetrics.statusClass(101));
        assertEquals(1, MicrometerProxyMetrics.statusClass(200));
        assertEquals(3, MicrometerProxyMetrics.statusClass(499));
        assertEquals(4, MicrometerProxyMetrics.statusClass(502));
        assertEquals(5, MicrometerProxyMetrics.statusClass(0));
        assertEquals(5, MicrometerProxyMetrics.statusClass(600));
    }

    @Test
    void aNullRegistryIsRefusedByName() {
        NullPointerException e = assertThrows(NullPointerException.class,
                () -> ProxyService.builder(ServerConf.defaults(), new ToOrigin("127.0.0.1:1")).metrics(null));
        assertEquals("registry", e.getMessage());
    }

    @Test
    void theServiceTagHasNoSpaces() {
        assertEquals("pingora-http-proxy-service", ProxyService.tagValue("Pingora HTTP Proxy Service"));
        assertEquals("edge.eu-1_a", ProxyService.tagValue("  Edge.EU-1_a "));
        assertEquals("service", ProxyService.tagValue("  "));
    }

    @Test
    void requestAndUpstreamTimesAreRecordedWithABoundedUpstreamTag() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (TestOrigin origin = TestOrigin.plain()) {
            ProxyService<Void> service = ProxyService.builder(ServerConf.defaults(), new ToOrigin(origin.address()))
                    .metrics(registry).build();
            try (ProxyFixture fixture = new ProxyFixture(service)) {
                assertEquals(200, fixture.get("/").statusCode());
                Await.until("request timed", java.time.Duration.ofSeconds(10),
                        () -> registry.get("pingora.proxy.request.time").tag("service", "pingora-http-proxy-service").timer().count() == 1);
                assertEquals(1, registry.get("pingora.proxy.upstream.response.time").tag("upstream", origin.address()).timer().count());
            }
            MicrometerProxyMetrics metrics = (MicrometerProxyMetrics) service.metrics();
            for (int port = 1000; port < 1200; port++) {
                metrics.upstreamResponded(System.nanoTime(), org.pingora4j.core.upstreams.HttpPeer.plain("10.0.0.1:" + port));
            }
            java.util.Set<String> tags = new java.util.HashSet<>();
            registry.find("pingora.proxy.upstream.response.time").timers().forEach(t -> tags.add(t.getId().getTag("upstream")));
            assertTrue(tags.contains(MicrometerProxyMetrics.OTHER_UPSTREAM), tags.toString());
            assertTrue(tags.size() <= MicrometerProxyMetrics.MAX_UPSTREAM_TAGS + 1, "bounded: " + tags.size());
        }
    }

    @Test
    void latencyHistogramsAreOptInWithTheBucketsAsked() {
        MeterRegistry plain = new SimpleMeterRegistry();
        ProxyService.builder(ServerConf.defaults(), new ToOrigin("127.0.0.1:1")).metrics(plain).build();
        assertEquals(0, plain.get("pingora.proxy.request.time").timer().takeSnapshot().histogramCounts().length,
                "off by default: a bucket is a series");

        MeterRegistry slo = new SimpleMeterRegistry();
        ProxyService.builder(ServerConf.defaults(), new ToOrigin("127.0.0.1:1")).metrics(slo)
                .latencyHistograms(java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(100)).build();
        assertEquals(2, slo.get("pingora.proxy.request.time").timer().takeSnapshot().histogramCounts().length);

        io.micrometer.prometheusmetrics.PrometheusMeterRegistry percentiles = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        ProxyService.builder(ServerConf.defaults(), new ToOrigin("127.0.0.1:1")).metrics(percentiles).latencyHistograms().build();
        long buckets = percentiles.scrape().lines().filter(l -> l.startsWith("pingora_proxy_request_time_seconds_bucket{")).count();
        assertTrue(buckets > 20, "histogram_quantile needs buckets: " + buckets);

        assertThrows(IllegalArgumentException.class, () -> ProxyService.builder(ServerConf.defaults(), new ToOrigin("127.0.0.1:1"))
                .latencyHistograms(java.time.Duration.ZERO));
    }
}
