package org.pingora4j.bench.proxy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pingora4j.core.connectors.http.ConnectorStats;

/**
 * The cost of one proxied HTTP/1.1 request through pingora4j's whole path, without the kernel's:
 * a keep-alive {@code GET} from an in-memory client, through the proxy's client connection
 * pipeline and phases, a pooled upstream connection and its HTTP/1.1 session, to an in-memory
 * origin answering a fixed response, whose body the client reads to its end (see
 * {@link InMemoryProxy}).
 *
 * <p>{@code proxied} goes through the proxy; {@code direct}, the baseline, sends the same request
 * from the same client straight to the same origin: {@code proxied - direct} is the proxy's cost per
 * request, in time and (with {@code -prof gc}) in bytes allocated. Everything runs on one event
 * loop thread; the benchmark thread hands it {@value #BATCH} sequential requests per invocation and
 * waits for the last response's end, so no work escapes the measurement and the hand-off between
 * the two threads is spread over the batch.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ProxyRequestBenchmark {

    /** Requests per benchmark invocation. */
    static final int BATCH = 100;

    /** The response body's size in bytes. */
    @Param({"2048", "65536"})
    public int bodySize;

    /**
     * Whether the proxy records its meters (in a Prometheus registry, never scraped here): run with
     * {@code -p metrics=false,true} to measure what metrics cost per request.
     */
    @Param({"false"})
    public boolean metrics;

    private InMemoryProxy proxy;
    private BenchClient proxiedClient;
    private BenchClient directClient;

    /** Starts the origin, the proxy and one keep-alive client connection to each. */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        proxy = new InMemoryProxy(bodySize, metrics ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null);
        proxiedClient = proxy.proxiedClient();
        directClient = proxy.directClient();
        // Fail here, not in the measurement, if either path does not answer as expected.
        proxiedClient.run(1).get(10, TimeUnit.SECONDS);
        directClient.run(1).get(10, TimeUnit.SECONDS);
    }

    /**
     * Stops everything, first printing the connector's counters: one connect for the whole trial
     * means every proxied request reused the pooled upstream connection, as it should.
     */
    @TearDown(Level.Trial)
    public void tearDown() {
        ConnectorStats stats = proxy.service().connector().stats();
        System.out.printf("%nconnector: %d sessions, %d connects, %d not reusable%n",
                stats.sessions(), stats.connectsOk(), stats.notReusable());
        proxy.close();
    }

    /** One request through the proxy. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void proxied() throws Exception {
        proxiedClient.run(BATCH).get(10, TimeUnit.SECONDS);
    }

    /** The baseline: the same request straight to the origin. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void direct() throws Exception {
        directClient.run(BATCH).get(10, TimeUnit.SECONDS);
    }
}
