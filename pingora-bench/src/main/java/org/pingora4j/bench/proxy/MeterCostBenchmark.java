package org.pingora4j.bench.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What the proxy's meters add to one request, alone: the work {@code MicrometerProxyMetrics} does
 * per proxied request with a Prometheus registry (two clock reads around the upstream exchange, one
 * timer record, one counter increment for the status class), without the request around it. The
 * end-to-end run measures the same cost in context (pingora4j-metrics ÷ pingora4j), where it is
 * smaller than the run's noise; this gives it in nanoseconds, to set against the proxy's CPU per
 * request.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@State(Scope.Thread)
public class MeterCostBenchmark {

    /** Whether the timers carry a percentile histogram (ProxyService.Builder.latencyHistograms()). */
    @Param({"false", "true"})
    public boolean histograms;

    private Counter requests2xx;
    private Timer requestTime;
    private final java.util.concurrent.ConcurrentHashMap<Object, Timer> upstreamTimers = new java.util.concurrent.ConcurrentHashMap<>();
    private final Object peerKey = new Object();

    @Setup
    public void setUp() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        requests2xx = Counter.builder("pingora.proxy.requests").tag("status", "2xx").register(registry);
        requestTime = timer(Timer.builder("pingora.proxy.request.time")).register(registry);
        upstreamTimers.put(peerKey, timer(Timer.builder("pingora.proxy.upstream.response.time").tag("upstream", "10.0.0.1:80"))
                .register(registry));
    }

    private Timer.Builder timer(Timer.Builder b) {
        return histograms ? b.publishPercentileHistogram().minimumExpectedValue(java.time.Duration.ofMillis(1))
                .maximumExpectedValue(java.time.Duration.ofSeconds(60)) : b;
    }

    /** One request's meter work, as the proxy does it (MicrometerProxyMetrics): two clock reads per try, two timers, a counter. */
    @Benchmark
    public void perRequest() {
        long sentAt = System.nanoTime();
        upstreamTimers.get(peerKey).record(System.nanoTime() - sentAt, TimeUnit.NANOSECONDS);
        requests2xx.increment();
        requestTime.record(System.nanoTime() - sentAt, TimeUnit.NANOSECONDS);
    }
}
