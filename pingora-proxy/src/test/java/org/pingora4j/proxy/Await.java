package org.pingora4j.proxy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Bounded waits for the proxy's tests, where the event to wait for has no hook (a file descriptor
 * closing, a pool count dropping, a real server's wall-clock timer). The cap bounds the wait; the
 * short park between polls is not a timing assumption, since the condition is re-checked until the
 * cap. Client-side timeouts are never waited for: their clock is injected.
 */
public final class Await {

    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private Await() {
    }

    /** Polls {@code condition} until it holds, failing with {@code what} after {@code cap}. */
    public static void until(String what, Duration cap, BooleanSupplier condition) {
        until(() -> what, cap, condition);
    }

    /** Like {@link #until(String, Duration, BooleanSupplier)}, adding {@code state} to the failure. */
    public static void until(String what, Duration cap, BooleanSupplier condition, Supplier<String> state) {
        until(() -> what + " (" + state.get() + ")", cap, condition);
    }

    /** Like {@link #until(String, Duration, BooleanSupplier)}, describing the failure when it happens. */
    public static void until(Supplier<String> what, Duration cap, BooleanSupplier condition) {
        long deadline = System.nanoTime() + cap.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + cap.toMillis() + " ms: " + what.get());
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** Lets {@code gap} of wall-clock time pass, for real servers' own timers: a delayed task completes the future waited on. */
    public static void wallClock(Duration gap) {
        CompletableFuture<Void> elapsed = CompletableFuture.runAsync(() -> { },
                CompletableFuture.delayedExecutor(gap.toNanos(), TimeUnit.NANOSECONDS));
        try {
            elapsed.get(gap.toMillis() + 10_000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("wall-clock gap of " + gap + " did not elapse", e);
        }
    }
}
