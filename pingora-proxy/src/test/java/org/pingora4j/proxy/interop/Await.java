package org.pingora4j.proxy.interop;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.concurrent.locks.LockSupport;

/**
 * Bounded waits for the interop tests. Real servers keep real time (nginx closes an idle connection
 * after one wall-clock second), so these tests cannot inject a clock; they poll briefly or let a
 * delayed task complete a future instead of sleeping.
 */
final class Await {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private Await() {
    }

    /** Polls {@code condition} until it holds, failing with {@code what} after {@code limit}. */
    static void until(String what, Duration limit, BooleanSupplier condition) {
        until(() -> what, limit, condition);
    }

    /** Like {@link #until(String, Duration, BooleanSupplier)}, describing the failure when it happens. */
    static void until(Supplier<String> what, Duration limit, BooleanSupplier condition) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + limit + ": " + what.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Lets {@code gap} of wall-clock time pass: a delayed task completes the future waited on. */
    static void wallClock(Duration gap) {
        CompletableFuture<Void> elapsed = CompletableFuture.runAsync(() -> { },
                CompletableFuture.delayedExecutor(gap.toNanos(), TimeUnit.NANOSECONDS));
        try {
            elapsed.get(gap.toMillis() + 10_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("wall-clock gap of " + gap + " did not elapse", e);
        }
    }
}
