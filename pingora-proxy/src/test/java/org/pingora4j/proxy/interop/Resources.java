package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.pingora4j.proxy.Await;
import org.pingora4j.pool.PoolStats;

/**
 * Resource accounting after a scenario: the proxy's pool within its ceiling, and this JVM's open file
 * descriptors back to the baseline once the clients closed their connections (the connections the
 * pool still keeps idle excepted: each is one socket).
 */
final class Resources {

    /** Descriptors the JVM may open on its own between two counts (class loading, a log file). */
    private static final int TOLERANCE = 3;
    private static final Path FDS = Path.of("/proc/self/fd");

    private final InteropProxy proxy;
    private final int baseline;

    private Resources(InteropProxy proxy, int baseline) {
        this.proxy = proxy;
        this.baseline = baseline;
    }

    /** Takes the baseline now, with {@code proxy} started and no connection open. */
    static Resources baseline(InteropProxy proxy) {
        return new Resources(proxy, openFds());
    }

    static int openFds() {
        try (Stream<Path> fds = Files.list(FDS)) {
            return (int) fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Asserts the pool within its ceiling, then awaits the descriptors back to the baseline. */
    void assertBackToBaseline(String scenario) {
        PoolStats pool = proxy.stats().pool();
        assertTrue(pool.idle() <= pool.maxIdle(), scenario + ": pool idle " + pool.idle() + " over its ceiling "
                + pool.maxIdle());
        Await.until(() -> scenario + ": open fds back to baseline " + baseline + " (+" + TOLERANCE
                        + ", + idle pooled connections), now " + openFds() + " with " + proxy.stats().pool().idle()
                        + " idle pooled",
                Duration.ofSeconds(10),
                () -> openFds() - proxy.stats().pool().idle() <= baseline + TOLERANCE);
    }

    /** Awaits the pool empty: the origin closed every idle connection and the pool noticed. */
    void awaitPoolEmpty(String scenario) {
        Await.until(() -> scenario + ": the pool drops the connections the origin closed, idle now "
                + proxy.stats().pool().idle(), Duration.ofSeconds(10), () -> proxy.stats().pool().idle() == 0);
    }

    int baseline() {
        return baseline;
    }
}
