package org.pingora4j.pool;

/**
 * A source of monotonic time in nanoseconds, injected so that tests drive idle timeouts and trim
 * delays without sleeping. The same seam as Caffeine's {@code Ticker}.
 */
@FunctionalInterface
public interface Ticker {

    /** Returns the current time in nanoseconds; only differences between readings are meaningful. */
    long read();

    /** Returns the ticker backed by {@link System#nanoTime()}. */
    static Ticker system() {
        return System::nanoTime;
    }
}
