package org.pingora4j.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * The start-up warm-up of a {@link ProxyService}: before its listeners open, the service runs a
 * private copy of itself (same server options, same event loops, same transport) on a loopback
 * port, in front of an in-process origin, and drives real HTTP/1.1 traffic through it: new
 * connections, keep-alive requests, small and large bodies, chunked responses, uploads, closes on
 * both sides, and clients that leave with their last request unanswered (one connection in eight
 * closes before the answer, one in eight resets in the middle of it). The JIT compiles the request
 * path, the connection set-up and the paths of a client gone mid-request then, not on the first
 * clients' time: a branch never taken while the code was profiled is compiled as a trap, and the
 * first client to take it sends the compiled request path back to the interpreter.
 *
 * <p>pingora4j's own: Pingora, compiled ahead of time, has nothing to warm. Measured in
 * {@code docs/benchmarks.md} ("Warm from the first second"): without it, the first clients of a
 * fresh process, and the first burst of new connections after the request path is warm, wait for
 * the compiler on the loops' cores.
 *
 * <p>The warm-up never reaches the service's {@link ProxyHttp}, its meters or its access log: the
 * copy runs built-in phases against its own origin, so no user code runs and no request is counted.
 * It is bounded by {@link #timeLimit()}; if it cannot run (no loopback port), the service starts
 * anyway and says why in one line. It runs only on socket transports (not on the in-memory one of
 * tests). HTTP/2 and TLS listeners share the HTTP/1.1 request path it warms; their own framing and
 * handshakes are not driven.
 *
 * <p>Off unless asked for ({@link ProxyService.Builder#warmUp}): a library started by unit tests
 * should not spend a second at each start. The examples and the benchmark proxy turn it on.
 * Immutable; see {@link #builder()}.
 */
public final class WarmUp {

    /** Requests driven through the copy by {@link #defaults()}. */
    public static final int DEFAULT_REQUESTS = 30_000;
    /** Requests per client connection before it closes and another opens. */
    public static final int DEFAULT_REQUESTS_PER_CONNECTION = 6;
    /** Client connections open at once. */
    public static final int DEFAULT_CONCURRENCY = 32;
    /** The most the warm-up may take; it stops early, with what it did, when this runs out. */
    public static final Duration DEFAULT_TIME_LIMIT = Duration.ofMillis(1500);

    private static final WarmUp OFF = new WarmUp(new Builder().requests(0));
    private static final WarmUp DEFAULTS = builder().build();

    private final int requests;
    private final int requestsPerConnection;
    private final int concurrency;
    private final Duration timeLimit;

    private WarmUp(Builder b) {
        requests = b.requests;
        requestsPerConnection = b.requestsPerConnection;
        concurrency = b.concurrency;
        timeLimit = b.timeLimit;
    }

    /** Returns no warm-up: the service starts cold, the default. */
    public static WarmUp off() {
        return OFF;
    }

    /**
     * Returns the defaults: {@value #DEFAULT_REQUESTS} requests, {@value #DEFAULT_REQUESTS_PER_CONNECTION}
     * per connection, {@value #DEFAULT_CONCURRENCY} connections at once, at most 1.5 s.
     */
    public static WarmUp defaults() {
        return DEFAULTS;
    }

    /** Returns a builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns whether the service warms up at all (more than zero requests). */
    public boolean enabled() {
        return requests > 0;
    }

    /** Returns how many requests the warm-up drives, at most. */
    public int requests() {
        return requests;
    }

    /** Returns how many requests a client connection makes before it closes. */
    public int requestsPerConnection() {
        return requestsPerConnection;
    }

    /** Returns how many client connections are open at once. */
    public int concurrency() {
        return concurrency;
    }

    /** Returns the most the warm-up may take. */
    public Duration timeLimit() {
        return timeLimit;
    }

    @Override
    public String toString() {
        return enabled()
                ? "WarmUp[" + requests + " requests, " + requestsPerConnection + " per connection, " + concurrency
                        + " at once, at most " + timeLimit.toMillis() + " ms]"
                : "WarmUp[off]";
    }

    /** Configures a {@link WarmUp}; every setter checks its argument. */
    public static final class Builder {
        private int requests = DEFAULT_REQUESTS;
        private int requestsPerConnection = DEFAULT_REQUESTS_PER_CONNECTION;
        private int concurrency = DEFAULT_CONCURRENCY;
        private Duration timeLimit = DEFAULT_TIME_LIMIT;

        private Builder() {
        }

        /**
         * Sets how many requests to drive; 0 turns the warm-up off.
         *
         * @throws IllegalArgumentException if negative
         */
        public Builder requests(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("warm-up requests: " + value + " (expected: >= 0)");
            }
            requests = value;
            return this;
        }

        /**
         * Sets how many requests a client connection makes before it closes and another opens: low
         * values warm the connection set-up more, high values the request path more.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder requestsPerConnection(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("warm-up requests per connection: " + value + " (expected: >= 1)");
            }
            requestsPerConnection = value;
            return this;
        }

        /**
         * Sets how many client connections are open at once.
         *
         * @throws IllegalArgumentException if not between 1 and 1024
         */
        public Builder concurrency(int value) {
            if (value < 1 || value > 1024) {
                throw new IllegalArgumentException("warm-up concurrency: " + value + " (expected: 1 to 1024)");
            }
            concurrency = value;
            return this;
        }

        /**
         * Sets the most the warm-up may take.
         *
         * @throws IllegalArgumentException if not positive
         */
        public Builder timeLimit(Duration value) {
            Objects.requireNonNull(value, "timeLimit");
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("warm-up time limit: " + value + " (expected: > 0)");
            }
            timeLimit = value;
            return this;
        }

        /** Builds the options. */
        public WarmUp build() {
            return new WarmUp(this);
        }
    }
}
