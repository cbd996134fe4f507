package org.pingora4j.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.http.ResponseHeader;
import org.pingora4j.core.upstreams.HttpPeer;

/*
 * Design note. A request touches its meters without looking them up by name or allocating: the
 * status counters are an array indexed by status class, the error counters an array indexed by
 * ErrorType. An error counter is registered the first time its type occurs, so that a scrape shows
 * no series for errors that never happen (21 types, most impossible for a given deployment); two
 * loops racing to register it both get the same meter from the registry, and the plain array store
 * is benign (a loop that does not see it yet registers, and gets, the same meter). The upstream
 * timers are found by the peer's reuse key (already hashed) in a ConcurrentHashMap, and bounded:
 * the first MAX_UPSTREAM_TAGS distinct host:port values get their own tag, the rest share "other",
 * so that a proxy choosing peers from user input cannot grow the registry without bound.
 */

/**
 * A {@link ProxyService}'s request meters in a Micrometer registry. The names and their Pingora
 * counterparts are listed in docs/user_guide/metrics.md.
 */
final class MicrometerProxyMetrics implements ProxyMetrics {

    /** The status tag of requests that ended without a response head sent (the client went away). */
    static final String NO_RESPONSE = "none";
    /** The {@code upstream} tag shared by upstreams past the first {@link #MAX_UPSTREAM_TAGS}. */
    static final String OTHER_UPSTREAM = "other";
    static final int MAX_UPSTREAM_TAGS = 64;
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx", NO_RESPONSE};

    private final MeterRegistry registry;
    private final Tags tags;
    private final Duration[] histogram;
    private final Counter[] requests = new Counter[STATUS_CLASSES.length];
    private final Counter[] errors = new Counter[ErrorType.values().length];
    private final Counter retries;
    private final Timer requestTime;
    private final ConcurrentHashMap<Object, Timer> upstreamTimers = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Timer> upstreamTags = new ConcurrentHashMap<>();

    /**
     * @param histogram null: timers keep count, sum and max only; empty: also a percentile
     *     histogram (Prometheus {@code _bucket} series, for {@code histogram_quantile}); else exactly
     *     these buckets (service level objectives)
     */
    MicrometerProxyMetrics(MeterRegistry registry, Tags tags, ProxyService<?> service, Duration[] histogram) {
        this.registry = registry;
        this.tags = tags;
        this.histogram = histogram;
        for (int i = 0; i < STATUS_CLASSES.length; i++) {
            requests[i] = Counter.builder("pingora.proxy.requests")
                    .description("Requests served, by the status class of the response sent to the client")
                    .tags(tags).tag("status", STATUS_CLASSES[i])
                    .register(registry);
        }
        retries = Counter.builder("pingora.proxy.retries")
                .description("Retries: tries of a request after its first, counted when the request ends")
                .tags(tags).register(registry);
        requestTime = timer(Timer.builder("pingora.proxy.request.time")
                .description("From a request's head read to its end (response written, or failed)")
                .tags(tags));
        Gauge.builder("pingora.proxy.requests.inflight", service, ProxyService::requestsInFlight)
                .description("Requests being served now")
                .tags(tags).register(registry);
        Gauge.builder("pingora.proxy.client.buffered.bytes", service, ProxyService::bufferedClientBytes)
                .description("Client data held in memory now (retry copies, waiting requests and parts, undecoded bytes), "
                        + "in steps of 4 KiB per connection")
                .baseUnit("bytes").tags(tags).register(registry);
        FunctionCounter.builder("pingora.proxy.client.shed", service, ProxyService::connectionsShed)
                .description("Client connections shed because buffered client data reached its budget")
                .tags(tags).register(registry);
    }

    private Timer timer(Timer.Builder builder) {
        if (histogram != null) {
            if (histogram.length == 0) {
                builder.publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1))
                        .maximumExpectedValue(Duration.ofSeconds(60));
            } else {
                builder.serviceLevelObjectives(histogram);
            }
        }
        return builder.register(registry);
    }

    @Override
    public long upstreamRequestSent() {
        return System.nanoTime();
    }

    @Override
    public void upstreamResponded(long sentAt, HttpPeer peer) {
        Timer timer = upstreamTimers.get(peer.reuseKey());
        if (timer == null) {
            timer = upstreamTimer(peer);
        }
        timer.record(System.nanoTime() - sentAt, TimeUnit.NANOSECONDS);
    }

    private Timer upstreamTimer(HttpPeer peer) {
        String address = peer.host() + ':' + peer.port();
        Timer timer = upstreamTags.get(address);
        if (timer == null) {
            String tag = upstreamTags.size() < MAX_UPSTREAM_TAGS ? address : OTHER_UPSTREAM;
            timer = timer(Timer.builder("pingora.proxy.upstream.response.time")
                    .description("From sending a request upstream to its response head arriving, per try, by upstream")
                    .tags(tags).tag("upstream", tag));
            upstreamTags.putIfAbsent(address, timer);
        }
        if (upstreamTimers.size() < 16 * MAX_UPSTREAM_TAGS) {
            upstreamTimers.putIfAbsent(peer.reuseKey(), timer);
        }
        return timer;
    }

    @Override
    public void requestFinished(Session session, PingoraException error, int retried, long totalNanos) {
        ResponseHeader head = session.responseHeader();
        int status = head != null ? head.statusCode() : session.errorStatus();
        requests[statusClass(status)].increment();
        requestTime.record(totalNanos, TimeUnit.NANOSECONDS);
        if (error != null) {
            errorCounter(error.type()).increment();
        }
        if (retried > 0) {
            retries.increment(retried);
        }
    }

    private Counter errorCounter(ErrorType type) {
        Counter counter = errors[type.ordinal()];
        if (counter == null) {
            counter = Counter.builder("pingora.proxy.errors")
                    .description("Requests that ended with an error, by its type")
                    .tags(tags).tag("error", type.name())
                    .register(registry);
            errors[type.ordinal()] = counter;
        }
        return counter;
    }

    /** Returns the index in {@link #STATUS_CLASSES} of {@code status}; 0 (none sent) is the last. */
    static int statusClass(int status) {
        int hundreds = status / 100;
        return hundreds >= 1 && hundreds <= 5 ? hundreds - 1 : STATUS_CLASSES.length - 1;
    }
}
