package org.pingora4j.core.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.pingora4j.pool.Scheduler;
import org.pingora4j.pool.Ticker;

/**
 * A clock and scheduler that tests move by hand: tasks run when the test calls {@link #advance},
 * never on their own, so idle-timeout tests neither sleep nor race a timer thread.
 */
public final class ManualClock implements Ticker, Scheduler {

    private record Task(long due, Runnable runnable) {
    }

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final List<Task> tasks = new ArrayList<>();

    @Override
    public long read() {
        return now.get();
    }

    @Override
    public synchronized void schedule(Runnable task, long delayNanos) {
        tasks.add(new Task(now.get() + delayNanos, task));
    }

    /** Moves the clock forward and runs every task that became due, in due order. */
    public void advance(Duration duration) {
        now.addAndGet(duration.toNanos());
        while (true) {
            Task next = null;
            synchronized (this) {
                for (Task t : tasks) {
                    if (t.due() - now.get() <= 0 && (next == null || t.due() - next.due() < 0)) {
                        next = t;
                    }
                }
                if (next == null) {
                    return;
                }
                tasks.remove(next);
            }
            next.runnable().run();
        }
    }
}
