package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.pingora4j.proxy.Await;
import org.pingora4j.proxy.Descriptors;
import org.pingora4j.pool.PoolStats;

/**
 * Resource accounting after a scenario: the proxy's pool within its ceiling, and this JVM's sockets
 * back to the baseline once the clients closed their connections: no socket open that was not at
 * the baseline, except one per connection the pool still keeps idle (the origin is another
 * process). Sockets are compared as sets of inodes ({@link Descriptors}), so a leaked one shows even
 * if an unrelated one closed meanwhile. Other descriptors (pipes to the origin and curl processes,
 * files) are counted, with a tolerance of {@value #TOLERANCE} for ones the JVM opens on its own.
 */
final class Resources {

    /** Descriptors other than sockets the JVM may open on its own between two counts (class loading, a log file). */
    private static final int TOLERANCE = 3;

    private final InteropProxy proxy;
    private final Descriptors.Snapshot baseline;

    private Resources(InteropProxy proxy, Descriptors.Snapshot baseline) {
        this.proxy = proxy;
        this.baseline = baseline;
    }

    /** Takes the baseline now, with {@code proxy} started and no connection open. */
    static Resources baseline(InteropProxy proxy) {
        return new Resources(proxy, Descriptors.now());
    }

    /** Asserts the pool within its ceiling, then awaits the descriptors back to the baseline. */
    void assertBackToBaseline(String scenario) {
        PoolStats pool = proxy.stats().pool();
        assertTrue(pool.idle() <= pool.maxIdle(), scenario + ": pool idle " + pool.idle() + " over its ceiling "
                + pool.maxIdle());
        Await.until(() -> {
            Descriptors.Snapshot now = Descriptors.now();
            Set<Long> added = now.socketsNotIn(baseline.sockets());
            return scenario + ": sockets back to the baseline but for the idle pooled connections ("
                    + proxy.stats().pool().idle() + "); not at the baseline: " + added.size() + ": "
                    + Descriptors.describe(added) + "; other descriptors " + now.others() + " (baseline "
                    + baseline.others() + " + " + TOLERANCE + ")";
        }, Duration.ofSeconds(10), () -> {
            Descriptors.Snapshot now = Descriptors.now();
            return now.socketsNotIn(baseline.sockets()).size() <= proxy.stats().pool().idle()
                    && now.others() <= baseline.others() + TOLERANCE;
        });
    }

    /** Awaits the pool empty: the origin closed every idle connection and the pool noticed. */
    void awaitPoolEmpty(String scenario) {
        Await.until(() -> scenario + ": the pool drops the connections the origin closed, idle now "
                + proxy.stats().pool().idle(), Duration.ofSeconds(10), () -> proxy.stats().pool().idle() == 0);
    }
}
