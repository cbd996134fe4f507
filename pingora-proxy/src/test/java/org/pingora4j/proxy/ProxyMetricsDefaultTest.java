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
        ProxyMetrics.NONE.upstreamResponded(0);
        ProxyMetrics.NONE.requestFinished(null, PingoraException.internal(ErrorType.INTERNAL_ERROR, "x", null), 3);
    }

    @Test
    void aRegistryGetsTheProxyMetersAtBuildAndTheConnectorsAtStart() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        try (TestOrigin origin = TestOrigin.plain()) {
            ProxyService<Void> service = ProxyService.builder(ServerConf.defaults(), new ToOrigin(origin.address()))
                    .name("p").metrics(registry).build();
            assertInstanceOf(MicrometerProxyMetrics.class, service.metrics());
            assertEquals(6, registry.find("pingora.proxy.requests").counters().size());
            assertEquals(ErrorType.values().length, registry.find("pingora.proxy.errors").counters().size());
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
}
