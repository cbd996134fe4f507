package org.pingora4j.pool;

import java.util.ArrayList;
import java.util.List;

/** A scheduler whose tasks run only when the test says the clock has reached them. */
final class ManualScheduler implements Scheduler {

    private record Task(long due, Runnable runnable) { }

    private final Ticker ticker;
    private final List<Task> tasks = new ArrayList<>();

    ManualScheduler(Ticker ticker) {
        this.ticker = ticker;
    }

    @Override
    public synchronized void schedule(Runnable task, long delayNanos) {
        tasks.add(new Task(ticker.read() + delayNanos, task));
    }

    synchronized int pending() {
        return tasks.size();
    }

    /** Runs every task due by now, including tasks they schedule that are due too. */
    void runDue() {
        while (true) {
            Task due = null;
            synchronized (this) {
                long now = ticker.read();
                for (Task t : tasks) {
                    if (now - t.due() >= 0) {
                        due = t;
                        break;
                    }
                }
                if (due == null) {
                    return;
                }
                tasks.remove(due);
            }
            due.runnable().run();
        }
    }
}
