package org.pingora4j.core.testing;

import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Waits that a test fixture must not outlive: a shutdown that hangs or fails is a finding, not
 * something to wait out or ignore.
 */
public final class Bounded {

    private static final long SECONDS = 10;

    private Bounded() {
    }

    /** Waits up to 10 s for {@code future}; throws if it did not complete, or failed. */
    public static void await(Future<?> future, String what) {
        if (!future.awaitUninterruptibly(SECONDS, TimeUnit.SECONDS)) {
            throw new AssertionError(what + " did not complete within " + SECONDS + " s");
        }
        if (!future.isSuccess()) {
            throw new AssertionError(what + " failed", future.cause());
        }
    }
}
