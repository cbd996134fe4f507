package org.pingora4j.pool;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that tests move by hand. Starts far from zero to catch code that assumes otherwise. */
final class FakeTicker implements Ticker {

    private final AtomicLong nanos = new AtomicLong(-7_000_000_000L);

    @Override
    public long read() {
        return nanos.get();
    }

    void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }

    void advanceNanos(long delta) {
        nanos.addAndGet(delta);
    }
}
