package org.pingora4j.proxy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.http.ResponseHeader;

/**
 * A {@link ProxyService}'s request meters in a Micrometer registry. Every meter is registered once,
 * here, and kept: a request indexes an array by status class or {@link ErrorType} and increments,
 * never looking a meter up by name or tags and never allocating. Requests in flight are read from
 * the service's own counter at scrape time. The names and their Pingora counterparts are listed in
 * docs/user_guide/metrics.md.
 */
final class MicrometerProxyMetrics implements ProxyMetrics {

    /** The status tag of requests that ended without a response head sent (the client went away). */
    static final String NO_RESPONSE = "none";
    private static final String[] STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx", NO_RESPONSE};

    private final Counter[] requests = new Counter[STATUS_CLASSES.length];
    private final Counter[] errors;
    private final Counter retries;
    private final Timer upstreamResponseTime;

    MicrometerProxyMetrics(MeterRegistry registry, Tags tags, ProxyService<?> service) {
        for (int i = 0; i < STATUS_CLASSES.length; i++) {
            requests[i] = Counter.builder("pingora.proxy.requests")
                    .description("Requests served, by the status class of the response sent to the client")
                    .tags(tags).tag("status", STATUS_CLASSES[i])
                    .register(registry);
        }
        ErrorType[] types = ErrorType.values();
        errors = new Counter[types.length];
        for (ErrorType type : types) {
            errors[type.ordinal()] = Counter.builder("pingora.proxy.errors")
                    .description("Requests that ended with an error, by its type")
                    .tags(tags).tag("error", type.name())
                    .register(registry);
        }
        retries = Counter.builder("pingora.proxy.retries")
                .description("Retries: tries of a request after its first, counted when the request ends")
                .tags(tags).register(registry);
        // No percentiles or histogram: count, sum and max only, so that recording stays cheap.
        upstreamResponseTime = Timer.builder("pingora.proxy.upstream.response.time")
                .description("From sending a request upstream to its response head arriving, per try")
                .tags(tags).register(registry);
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

    @Override
    public long upstreamRequestSent() {
        return System.nanoTime();
    }

    @Override
    public void upstreamResponded(long sentAt) {
        upstreamResponseTime.record(System.nanoTime() - sentAt, TimeUnit.NANOSECONDS);
    }

    @Override
    public void requestFinished(Session session, PingoraException error, int retried) {
        ResponseHeader head = session.responseHeader();
        int status = head != null ? head.statusCode() : session.errorStatus();
        requests[statusClass(status)].increment();
        if (error != null) {
            errors[error.type().ordinal()].increment();
        }
        if (retried > 0) {
            retries.increment(retried);
        }
    }

    /** Returns the index in {@link #STATUS_CLASSES} of {@code status}; 0 (none sent) is the last. */
    static int statusClass(int status) {
        int hundreds = status / 100;
        return hundreds >= 1 && hundreds <= 5 ? hundreds - 1 : STATUS_CLASSES.length - 1;
    }
}
