package org.pingora4j.pool;

import java.time.Duration;

/**
 * Configures a {@link ConnectionPool}. Every setter validates its argument at once; {@link #build()}
 * checks the settings against each other.
 *
 * <h2>Capacity semantics</h2>
 * <ul>
 *   <li>{@link #capacity(int) capacity} C: how many idle connections the pool keeps in steady state,
 *       across all groups and threads (pingora's {@code upstream_keepalive_pool_size}, default 128).
 *       0 disables pooling.</li>
 *   <li>{@link #maxIdle(int) maxIdle} H &ge; C: a hard ceiling on idle connections that is never
 *       crossed. A release that would cross it evicts the least recently released connection at
 *       once. Default 2&nbsp;×&nbsp;C.</li>
 *   <li>{@link #trimDelay(Duration) trimDelay} D: how long the idle count may stay above C. Once it
 *       has been above C continuously for D, the least recently released connections are evicted
 *       until C remain. A burst of releases that requests take back within D closes nothing.
 *       Default 1 second; 0 makes C a hard cap.</li>
 * </ul>
 *
 * @param <T> the pooled connection type
 */
public final class ConnectionPoolBuilder<T> {

    /** The default {@link #trimDelay(Duration)}. */
    public static final Duration DEFAULT_TRIM_DELAY = Duration.ofSeconds(1);

    /** The default ratio of {@link #maxIdle(int)} to {@link #capacity(int)}. */
    public static final int DEFAULT_OVERSHOOT_FACTOR = 2;

    private static final int UNSET = -1;

    int capacity = ConnectionPool.DEFAULT_CAPACITY;
    int maxIdle = UNSET;
    Duration trimDelay = DEFAULT_TRIM_DELAY;
    Ticker ticker = Ticker.system();
    Scheduler scheduler = Scheduler.system();
    EvictionListener<? super T> listener = EvictionListener.noop();

    ConnectionPoolBuilder() {
    }

    /**
     * Sets how many idle connections the pool keeps in steady state, over all groups.
     *
     * @throws IllegalArgumentException if {@code capacity} is negative
     */
    public ConnectionPoolBuilder<T> capacity(int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 0)");
        }
        this.capacity = capacity;
        return this;
    }

    /**
     * Sets the hard ceiling on idle connections; must be at least the capacity.
     *
     * @throws IllegalArgumentException if {@code maxIdle} is negative
     */
    public ConnectionPoolBuilder<T> maxIdle(int maxIdle) {
        if (maxIdle < 0) {
            throw new IllegalArgumentException("maxIdle: " + maxIdle + " (expected: >= 0)");
        }
        this.maxIdle = maxIdle;
        return this;
    }

    /**
     * Sets how long the idle count may stay above the capacity before the excess is evicted.
     *
     * @throws IllegalArgumentException if {@code trimDelay} is negative or longer than a day
     */
    public ConnectionPoolBuilder<T> trimDelay(Duration trimDelay) {
        if (trimDelay == null) {
            throw new NullPointerException("trimDelay");
        }
        if (trimDelay.isNegative() || trimDelay.compareTo(Duration.ofDays(1)) > 0) {
            throw new IllegalArgumentException("trimDelay: " + trimDelay + " (expected: 0s..1d)");
        }
        this.trimDelay = trimDelay;
        return this;
    }

    /** Sets the clock; tests inject one they advance by hand. */
    public ConnectionPoolBuilder<T> ticker(Ticker ticker) {
        if (ticker == null) {
            throw new NullPointerException("ticker");
        }
        this.ticker = ticker;
        return this;
    }

    /** Sets what runs maintenance later; see {@link Scheduler}. */
    public ConnectionPoolBuilder<T> scheduler(Scheduler scheduler) {
        if (scheduler == null) {
            throw new NullPointerException("scheduler");
        }
        this.scheduler = scheduler;
        return this;
    }

    /** Sets who is told of every connection the pool drops, typically to close it. */
    public ConnectionPoolBuilder<T> evictionListener(EvictionListener<? super T> listener) {
        if (listener == null) {
            throw new NullPointerException("listener");
        }
        this.listener = listener;
        return this;
    }

    /**
     * Builds the pool.
     *
     * @throws IllegalStateException if {@code maxIdle} was set below {@code capacity}
     */
    public ConnectionPool<T> build() {
        if (maxIdle != UNSET && maxIdle < capacity) {
            throw new IllegalStateException(
                    "maxIdle: " + maxIdle + " (expected: >= capacity " + capacity + ")");
        }
        return new ConnectionPool<>(this);
    }

    int effectiveMaxIdle() {
        if (maxIdle != UNSET) {
            return maxIdle;
        }
        long doubled = (long) capacity * DEFAULT_OVERSHOOT_FACTOR;
        return (int) Math.min(Integer.MAX_VALUE, doubled);
    }
}
