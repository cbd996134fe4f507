package org.pingora4j.examples;

import org.pingora4j.core.server.Server;
import org.pingora4j.proxy.ProxyService;

/**
 * Where {@code --metrics HOST:PORT} is acted on: the examples' one place to add Pingora's
 * Prometheus service to a server.
 */
final class ExampleMetrics {

    /** What {@code --metrics} says until the metrics service is wired in below. */
    static final String NOT_AVAILABLE = "the Prometheus metrics service is not available in this build";

    private ExampleMetrics() {
    }

    /**
     * Adds a service serving {@code proxy}'s metrics on {@code settings.metricsAddress()} to
     * {@code server}; does nothing without {@code --metrics}.
     *
     * @throws UnsupportedOperationException with {@code --metrics}, until the service is wired in
     */
    static void addTo(Server server, ProxyService<?> proxy, ExampleSettings settings) {
        if (settings.metricsAddress().isEmpty()) {
            return;
        }
        // LEAD (issue #10, metrics): wire the metrics part here. Bind the meters of `proxy` (its
        // connector's pool and the proxy's own) to a Prometheus registry and add the Prometheus
        // service listening on settings.metricsAddress().get() to `server`, e.g.
        //   server.addService(<PrometheusService>(registry, settings.metricsAddress().get()));
        // then delete this throw and NOT_AVAILABLE, and flip ExamplesCliTest's metrics test.
        throw new UnsupportedOperationException("--metrics " + settings.metricsAddress().get() + ": " + NOT_AVAILABLE);
    }
}
