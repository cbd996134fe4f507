package org.pingora4j.proxy.faults;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition until it holds or a cap passes. Used where the event to wait for has no hook
 * (a file descriptor closing, a pool count dropping): the cap bounds the wait, and the short park
 * between polls is not a timing assumption, since the condition is re-checked until the cap.
 */
final class Await {

    private static final long POLL_NANOS = Duration.ofMillis(2).toNanos();

    private Await() {
    }

    /** Returns once {@code condition} holds; fails with {@code what} and {@code state} after {@code cap}. */
    static void until(String what, Duration cap, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + cap.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not within " + cap.toMillis() + " ms: " + what + " (" + state.get() + ")");
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }
}
