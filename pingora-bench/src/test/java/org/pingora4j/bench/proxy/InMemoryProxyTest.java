package org.pingora4j.bench.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pingora4j.core.connectors.http.ConnectorStats;
import org.pingora4j.core.testing.LeakCheckExtension;

/**
 * What {@link ProxyRequestBenchmark} measures actually happens: keep-alive requests from the
 * in-memory client go through the real proxy ({@code Transport.local()} upstream, one pooled
 * connection reused) and come back whole, and the baseline bypasses the proxy.
 */
@ExtendWith(LeakCheckExtension.class)
final class InMemoryProxyTest {

    @ParameterizedTest
    @ValueSource(ints = {2048, 65536})
    void keepAliveRequestsGoThroughTheProxyOnOnePooledUpstreamConnection(int bodySize) throws Exception {
        try (InMemoryProxy proxy = new InMemoryProxy(bodySize)) {
            BenchClient client = proxy.proxiedClient();

            client.run(1).get(10, TimeUnit.SECONDS);
            client.run(199).get(10, TimeUnit.SECONDS);

            // The client checked each response: 200 and a Content-Length body of bodySize bytes.
            assertEquals(200, client.responses());
            ConnectorStats stats = proxy.service().connector().stats();
            assertEquals(200, stats.sessions());
            assertEquals(1, stats.connectsOk());
            assertEquals(199, stats.reused());
            assertEquals(0, stats.notReusable());
        }
    }

    @Test
    void theDirectBaselineBypassesTheProxy() throws Exception {
        try (InMemoryProxy proxy = new InMemoryProxy(2048)) {
            BenchClient client = proxy.directClient();

            client.run(3).get(10, TimeUnit.SECONDS);

            assertEquals(3, client.responses());
            assertEquals(0, proxy.service().connector().stats().sessions());
        }
    }
}
