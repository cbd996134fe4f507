package org.pingora4j.proxy.faults;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.pingora4j.proxy.Await;
import org.pingora4j.pool.PoolStats;
import org.pingora4j.proxy.ProxyService;

/**
 * Resource accounting around one proxy scenario: the JVM's open file descriptors and the proxy's
 * upstream pool. {@link #capture()} before the origin and proxy exist; {@link #watch} once they run
 * (from then on a sampler checks the pool against its ceiling every millisecond);
 * {@link #assertSettled} after the scenario while the proxy still runs; {@link #assertReleased}
 * after the proxy and origin were closed. Netty buffer leaks are the LeakCheckExtension's job.
 *
 * <p>The JVM opens some descriptors lazily on first use and keeps them for its lifetime: on this
 * machine the first proxy scenario leaves /dev/random and /dev/urandom (the JDK's SecureRandom) and a
 * JDK-internal unix socket open. So callers run one warm-up scenario per JVM before the first
 * {@link #capture()} (see {@code FaultScenario.warmUp()}), and descriptors are still compared with a
 * tolerance of {@value #FD_TOLERANCE}, for first-use descriptors of this kind that a warm-up did not
 * reach. A leaked connection costs one descriptor per socket end in this JVM, and every fault
 * scenario injects its fault five times, so a leak per fault exceeds the tolerance.
 */
final class ResourceBaseline implements AutoCloseable {

    /** Descriptors the JVM may open lazily and keep; see the class comment. */
    static final int FD_TOLERANCE = 2;
    private static final Duration CAP = Duration.ofSeconds(10);

    private final int fdsBefore;
    private ProxyService<?> service;
    private IntSupplier originConnections;
    private int fdsRunning;
    private int idleRunning;
    private int maxIdle;
    private final AtomicInteger maxIdleSeen = new AtomicInteger();
    private final AtomicInteger samples = new AtomicInteger();
    private ScheduledExecutorService sampler;
    private int fdsSettled = -1;
    private int idleSettled = -1;
    private int fdsReleased = -1;

    private ResourceBaseline(int fdsBefore) {
        this.fdsBefore = fdsBefore;
    }

    /**
     * Records the descriptors open before the scenario's origin and proxy exist: the lowest count
     * over 200 ms, so that sockets of an earlier test still closing do not inflate the baseline
     * (which would let the same number of leaked descriptors pass unnoticed).
     */
    static ResourceBaseline capture() {
        long end = System.nanoTime() + Duration.ofMillis(200).toNanos();
        int lowest = openFds();
        while (System.nanoTime() - end < 0) {
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
            lowest = Math.min(lowest, openFds());
        }
        return new ResourceBaseline(lowest);
    }

    /**
     * Records the running proxy's baseline and starts sampling its pool.
     *
     * @param originConnections connections the in-process origin has open now (0 for an origin out
     *                          of this JVM); each costs one descriptor in this JVM
     */
    ResourceBaseline watch(ProxyService<?> proxy, IntSupplier originConnections) {
        this.service = proxy;
        this.originConnections = originConnections;
        PoolStats pool = proxy.connector().stats().pool();
        this.fdsRunning = openFds();
        this.idleRunning = pool.idle();
        this.maxIdle = pool.maxIdle();
        this.maxIdleSeen.set(pool.idle());
        sampler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "pool-ceiling-sampler");
            t.setDaemon(true);
            return t;
        });
        sampler.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.MILLISECONDS);
        return this;
    }

    private void sample() {
        int idle = service.connector().stats().pool().idle();
        maxIdleSeen.accumulateAndGet(idle, Math::max);
        samples.incrementAndGet();
    }

    /** The descriptors open now in this JVM. */
    static int openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            // The listing's own directory descriptor is counted every time, so it cancels out.
            return (int) fds.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The pool's idle connections now. */
    int poolIdle() {
        return service.connector().stats().pool().idle();
    }

    /**
     * Waits until the scenario left nothing behind while the proxy still runs: no client connection
     * open on the proxy, at most {@code allowedPooled} more idle upstream connections than at the
     * baseline, every origin connection either pooled or closed at both ends, descriptors back to the
     * running baseline plus two per pooled connection (its proxy and in-process origin ends), and
     * the pool never sampled over its ceiling.
     */
    void assertSettled(int allowedPooled) {
        assertSettled(allowedPooled, CAP);
    }

    /** {@link #assertSettled(int)} with another cap on the wait (for the helper's own tests). */
    void assertSettled(int allowedPooled, Duration cap) {
        Await.until("the proxy and pool settle after the scenario", cap, () -> {
            int idle = poolIdle();
            int extraIdle = idle - idleRunning;
            return service.openConnections() == 0
                    && extraIdle <= allowedPooled
                    && originConnections.getAsInt() <= idle
                    && openFds() <= fdsRunning + 2 * Math.max(0, extraIdle) + FD_TOLERANCE;
        }, this::state);
        fdsSettled = settleExactly(fdsRunning + 2 * Math.max(0, poolIdle() - idleRunning));
        idleSettled = poolIdle();
        assertUnderCeiling();
    }

    /**
     * Gives sockets still closing a moment to reach {@code exact} so that the report shows the settled
     * count rather than a transient one; the tolerance check already passed, so this never fails.
     */
    private static int settleExactly(int exact) {
        long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        int fds = openFds();
        while (fds > exact && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
            fds = openFds();
        }
        return fds;
    }

    /** Checks the pool never held more than its ceiling at any sample so far. */
    void assertUnderCeiling() {
        if (samples.get() == 0) {
            sample();
        }
        if (maxIdleSeen.get() > maxIdle) {
            throw new AssertionError("pool idle count " + maxIdleSeen.get() + " over its ceiling " + maxIdle);
        }
    }

    /** After the proxy and origin were closed: the pool is empty and the descriptors are back. */
    void assertReleased() {
        close();
        Await.until("descriptors back to the baseline after closing proxy and origin", CAP,
                () -> poolIdle() == 0 && openFds() <= fdsBefore + FD_TOLERANCE, this::state);
        fdsReleased = settleExactly(fdsBefore);
        assertUnderCeiling();
    }

    private String state() {
        return "openConnections=" + service.openConnections() + " poolIdle=" + poolIdle()
                + " (running baseline " + idleRunning + ") originConnections=" + originConnections.getAsInt()
                + " fds=" + openFds() + " (before " + fdsBefore + ", running " + fdsRunning + ")";
    }

    /** One line for the scenario summary. */
    String report() {
        return "fds before=" + fdsBefore + " running=" + fdsRunning + " settled=" + fdsSettled
                + " released=" + fdsReleased + " (tolerance " + FD_TOLERANCE + ")"
                + " poolIdle baseline=" + idleRunning + " settled=" + idleSettled
                + " maxSampled=" + maxIdleSeen.get() + "/" + maxIdle + " samples=" + samples.get();
    }

    /** Stops the sampler. */
    @Override
    public void close() {
        if (sampler != null) {
            sampler.shutdownNow();
        }
    }
}
