package org.pingora4j.core.connectors.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.pingora4j.core.connectors.Established;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;

/**
 * An {@link HttpConnector}'s meters in a Micrometer registry: the pool's counters and the reuse
 * ratio as functions over {@link HttpConnector#stats()} (read at scrape time only), and the connect
 * timers and failure counters, registered once here and kept, so that recording never looks a
 * meter up. The names and their Pingora counterparts are listed in docs/user_guide/metrics.md.
 */
final class MicrometerConnectorMeters implements ConnectorMeters {

    private final Timer connectTime;
    private final Timer tlsHandshakeTime;
    private final Counter[] failures;
    private final MeterRegistry registry;
    private final Tags tags;

    MicrometerConnectorMeters(MeterRegistry registry, Tags tags, HttpConnector connector) {
        poolMeters(registry, tags, connector);
        FunctionCounter.builder("pingora.connector.connections.opened", connector, c -> c.stats().connectsOk())
                .description("New upstream connections established (TCP connected, TLS done)")
                .tags(tags).register(registry);
        FunctionCounter.builder("pingora.connector.sessions", connector, c -> c.stats().sessions())
                .description("Upstream sessions handed out, on pooled or new connections")
                .tags(tags).register(registry);
        // No percentiles or histogram: count, sum and max only, so that recording stays cheap.
        connectTime = Timer.builder("pingora.connector.connect.time")
                .description("DNS resolution and TCP connect of new upstream connections")
                .tags(tags).register(registry);
        tlsHandshakeTime = Timer.builder("pingora.connector.tls.handshake.time")
                .description("TLS handshakes of new upstream connections")
                .tags(tags).register(registry);
        this.registry = registry;
        this.tags = tags;
        // Registered when a type first occurs: no series for failures that never happen. Two loops
        // racing get the same meter from the registry; the plain array store is benign.
        failures = new Counter[ErrorType.values().length];
    }

    private static void poolMeters(MeterRegistry registry, Tags tags, HttpConnector connector) {
        Gauge.builder("pingora.pool.idle", connector, c -> c.poolIdle())
                .description("Idle upstream connections in the pool now")
                .tags(tags).register(registry);
        poolCounter(registry, tags, connector, "pingora.pool.hits", "Pool gets that found an idle connection",
                c -> c.stats().pool().hits());
        poolCounter(registry, tags, connector, "pingora.pool.misses", "Pool gets that found none",
                c -> c.stats().pool().misses());
        poolCounter(registry, tags, connector, "pingora.pool.puts", "Connections released into the pool",
                c -> c.stats().pool().puts());
        poolCounter(registry, tags, connector, "pingora.pool.evictions",
                "Idle connections evicted for capacity (least recently released first)",
                c -> c.stats().pool().evictions());
        poolCounter(registry, tags, connector, "pingora.pool.expirations",
                "Idle connections dropped because their idle timeout passed",
                c -> c.stats().pool().expirations());
        poolCounter(registry, tags, connector, "pingora.pool.removals",
                "Idle connections taken out because the upstream closed them or sent bytes",
                c -> c.stats().pool().removals());
        Gauge.builder("pingora.pool.reuse.ratio", connector, c -> c.stats().reuseRatio())
                .description("Share of upstream sessions that reused a pooled connection, since start")
                .tags(tags).register(registry);
    }

    private static void poolCounter(MeterRegistry registry, Tags tags, HttpConnector connector, String name,
                                    String description, ToDoubleFunction<HttpConnector> value) {
        FunctionCounter.builder(name, connector, value).description(description).tags(tags).register(registry);
    }

    @Override
    public void connected(Established established) {
        connectTime.record(established.timing().tcpConnect().toNanos(), TimeUnit.NANOSECONDS);
        if (established.ssl() != null) {
            tlsHandshakeTime.record(established.timing().tlsHandshake().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void connectFailed(Throwable error) {
        ErrorType type = error instanceof PingoraException e ? e.type() : ErrorType.UNKNOWN_ERROR;
        Counter counter = failures[type.ordinal()];
        if (counter == null) {
            counter = Counter.builder("pingora.connector.connect.failures")
                    .description("Connects to upstreams that failed, by error type")
                    .tags(tags).tag("error", type.name())
                    .register(registry);
            failures[type.ordinal()] = counter;
        }
        counter.increment();
    }
}
