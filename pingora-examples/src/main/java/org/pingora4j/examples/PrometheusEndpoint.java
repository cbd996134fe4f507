package org.pingora4j.examples;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.PrometheusService;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;

/**
 * The metrics guide's example (docs/user_guide/metrics.md): a Prometheus endpoint added to a
 * server, and a proxy service whose meters it serves. Pingora's counterpart is
 * {@code Service::prometheus_http_service()} added next to the proxy.
 */
public final class PrometheusEndpoint {

    private PrometheusEndpoint() {
    }

    /** The proxy service and the endpoint serving its meters, both added to the server. */
    public record Built<C>(ProxyService<C> proxy, PrometheusService prometheus) {
    }

    // tag::serve[]
    /**
     * Adds a Prometheus service listening on {@code address} to {@code server}, and returns it: pass
     * its {@code registry()} to each proxy service's {@code metrics(...)}.
     */
    public static PrometheusService serve(Server server, String address) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // The JVM and the process, beside the proxy's own meters: heap and GC, threads, CPU,
        // open files, uptime (Micrometer's binders; jvm_*, process_*, system_* in Prometheus).
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        PrometheusService prometheus = PrometheusService.prometheusHttpService(registry);
        prometheus.addTcp(address);
        server.addService(prometheus);
        return prometheus;
    }
    // end::serve[]

    /**
     * Builds a proxy service for {@code proxy} listening on {@code listen}, with its meters served
     * on {@code metricsAddress}, and adds both to {@code server}.
     */
    public static <C> Built<C> proxyWithMetrics(Server server, ProxyHttp<C> proxy, String listen,
                                                String metricsAddress) {
        ServerConf conf = server.conf();
        // tag::proxy[]
        PrometheusService prometheus = PrometheusEndpoint.serve(server, metricsAddress);
        ProxyService<C> proxyService = ProxyService.builder(conf, proxy)
                .metrics(prometheus.registry())
                .build();
        proxyService.addTcp(listen);
        server.addService(proxyService);
        // end::proxy[]
        return new Built<>(proxyService, prometheus);
    }
}
