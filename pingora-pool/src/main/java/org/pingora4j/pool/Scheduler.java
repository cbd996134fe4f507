package org.pingora4j.pool;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs the pool's maintenance (idle expiry, trimming an overshoot, reclaiming empty groups) at a
 * later time. The pool knows nothing of threads or event loops: pingora4j's connectors pass a
 * scheduler backed by a Netty event loop, tests pass a manual one.
 *
 * <p>A scheduler may run a task late or on any thread, but must eventually run it. Tasks are
 * idempotent: the pool tolerates a task that runs after a newer one was scheduled.
 */
@FunctionalInterface
public interface Scheduler {

    /** Runs {@code task} once, no earlier than {@code delayNanos} from now. */
    void schedule(Runnable task, long delayNanos);

    /**
     * Returns a scheduler backed by the JDK's shared delay thread, which hands due tasks to the
     * common fork-join pool. The pool's eviction listener then runs on that pool's threads.
     */
    static Scheduler system() {
        return (task, delayNanos) ->
                CompletableFuture.delayedExecutor(delayNanos, TimeUnit.NANOSECONDS).execute(task);
    }

    /**
     * Returns a scheduler that never runs anything. Maintenance then happens only inline, during
     * {@link ConnectionPool#get}/{@link ConnectionPool#put}, and when {@link ConnectionPool#cleanUp()}
     * is called.
     */
    static Scheduler disabled() {
        return (task, delayNanos) -> { };
    }
}
