package org.pingora4j.examples;

import org.pingora4j.core.server.Server;
import org.pingora4j.proxy.ProxyService;

/**
 * Where {@code --metrics HOST:PORT} is acted on: the examples' one place to add Pingora's
 * Prometheus service to a server and give its registry to a proxy service.
 */
final class ExampleMetrics {

    private ExampleMetrics() {
    }

    /**
     * With {@code --metrics}, adds a Prometheus service listening on {@code settings.metricsAddress()}
     * to {@code server} and has {@code builder}'s proxy service (and its connector and pool) count
     * into it; without, leaves both alone. Returns {@code builder}.
     */
    static <C> ProxyService.Builder<C> serveIfAsked(Server server, ProxyService.Builder<C> builder,
                                                     ExampleSettings settings) {
        // Latency histograms on: an operator's first panel is a p99 (histogram_quantile).
        settings.metricsAddress().ifPresent(address ->
                builder.metrics(PrometheusEndpoint.serve(server, address).registry()).latencyHistograms());
        return builder;
    }
}
