package org.pingora4j.core.services;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Serves a {@link PrometheusMeterRegistry}'s meters in the Prometheus text format on its own
 * endpoints: {@code GET /metrics} answers with the scrape ({@code text/plain; version=0.0.4}, or
 * OpenMetrics when the scraper's {@code Accept} asks for {@code application/openmetrics-text});
 * other paths get a 404, other methods a 405. Mirrors pingora's
 * {@code Service::prometheus_http_service()} ({@code services/listening.rs} with
 * {@code apps/prometheus_http_app.rs}), which serves the {@code prometheus} crate's registry.
 *
 * <p>Added to a {@link org.pingora4j.core.server.Server} like any service, after
 * {@link #addTcp(String)}; it runs on the server's event loops and closes with it. A scrape runs on
 * the service's own thread, never on an event loop: it walks every meter, and reading the pool's
 * counters takes the pool's lock. One request per connection is served at a time (keep-alive is
 * honoured), so that answers never overtake each other.
 *
 * <p>Needs {@code io.micrometer:micrometer-registry-prometheus} on the class path, an optional
 * dependency of pingora-core: add it to your build to use this class.
 */
public final class PrometheusService extends ListeningService {

    /** The service name pingora gives its Prometheus service. */
    public static final String DEFAULT_NAME = "Prometheus metric HTTP";

    private final PrometheusMeterRegistry registry;
    private final CompletableFuture<Void> drained = CompletableFuture.completedFuture(null);
    private volatile ExecutorService scrapes;

    /** Creates a service named {@code name} serving {@code registry}; add its endpoints with {@link #addTcp}. */
    public PrometheusService(String name, PrometheusMeterRegistry registry) {
        super(Objects.requireNonNull(name, "name"));
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Returns a service serving {@code registry}, without endpoints yet. Mirrors pingora's
     * {@code Service::prometheus_http_service()}; then call {@code addTcp("127.0.0.1:9091")}.
     */
    public static PrometheusService prometheusHttpService(PrometheusMeterRegistry registry) {
        return new PrometheusService(DEFAULT_NAME, registry);
    }

    /** Returns the registry served. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    @Override
    protected void onStart(ServiceContext context) {
        scrapes = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "pingora4j-metrics-scrape");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    protected void initConnection(Channel channel, boolean tls) {
        channel.pipeline()
                .addLast("prometheus-codec", new HttpServerCodec())
                .addLast("prometheus-aggregator", new HttpObjectAggregator(PrometheusHttpHandler.MAX_REQUEST_BYTES))
                .addLast("prometheus-app", new PrometheusHttpHandler(registry, scrapes));
    }

    /** A scrape in flight is not worth waiting for: the scraper tries again at its next interval. */
    @Override
    public CompletionStage<Void> drained() {
        return drained;
    }

    @Override
    public void shutdown() {
        super.shutdown();
        ExecutorService executor = scrapes;
        if (executor != null) {
            executor.shutdownNow();
        }
    }
}
