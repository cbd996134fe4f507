package org.pingora4j.proxy.faults;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;
import org.pingora4j.proxy.Await;
import org.pingora4j.proxy.Descriptors;
import org.pingora4j.pool.PoolStats;
import org.pingora4j.proxy.ProxyService;

/**
 * Resource accounting around one proxy scenario: the JVM's open file descriptors and the proxy's
 * upstream pool. {@link #capture()} before the origin and proxy exist; {@link #watch} once they run
 * (from then on a sampler checks the pool against its ceiling every millisecond);
 * {@link #assertSettled} after the scenario while the proxy still runs; {@link #assertReleased}
 * after the proxy and origin were closed. Netty buffer leaks are the LeakCheckExtension's job.
 *
 * <p>Sockets are compared as sets of inodes ({@link Descriptors}): after the scenario, the sockets
 * open that were not open at the baseline must be exactly accounted for (two per connection the pool
 * keeps: its proxy and in-process origin ends; none once everything closed). A socket leaked while an
 * unrelated one closes still shows, where a count would cancel out.
 *
 * <p>Other descriptors are counted, with a tolerance of {@value #FD_TOLERANCE}: the JVM opens some
 * lazily on first use and keeps them for its lifetime (on this machine the first proxy scenario
 * leaves /dev/random and /dev/urandom, the JDK's SecureRandom, open). Callers run one warm-up
 * scenario per JVM before the first {@link #capture()} (see {@code FaultScenario.warmUp()}), which
 * also opens the JDK-internal unix socket a first scenario leaves.
 */
final class ResourceBaseline implements AutoCloseable {

    /** Descriptors other than sockets the JVM may open lazily and keep; see the class comment. */
    static final int FD_TOLERANCE = 2;
    private static final Duration CAP = Duration.ofSeconds(10);

    private final Set<Long> socketsBefore;
    private final int othersBefore;
    private ProxyService<?> service;
    private IntSupplier originConnections;
    private Set<Long> socketsRunning = Set.of();
    private int othersRunning;
    private int idleRunning;
    private int maxIdle;
    private final AtomicInteger maxIdleSeen = new AtomicInteger();
    private final AtomicInteger samples = new AtomicInteger();
    private ScheduledExecutorService sampler;
    private int socketsSettled = -1;
    private int idleSettled = -1;
    private int socketsReleased = -1;

    private ResourceBaseline(Set<Long> socketsBefore, int othersBefore) {
        this.socketsBefore = socketsBefore;
        this.othersBefore = othersBefore;
    }

    /**
     * Records the descriptors open before the scenario's origin and proxy exist, over 200 ms: every
     * socket seen open in that time (so that one of an earlier test still closing, or opening, is
     * not taken for the scenario's), and the lowest count of other descriptors (so that ones still
     * closing do not inflate the baseline, which would let as many leaked ones pass unnoticed).
     */
    static ResourceBaseline capture() {
        long end = System.nanoTime() + Duration.ofMillis(200).toNanos();
        Descriptors.Snapshot first = Descriptors.now();
        Set<Long> sockets = new TreeSet<>(first.sockets());
        int lowestOthers = first.others();
        while (System.nanoTime() - end < 0) {
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
            Descriptors.Snapshot now = Descriptors.now();
            sockets.addAll(now.sockets());
            lowestOthers = Math.min(lowestOthers, now.others());
        }
        return new ResourceBaseline(sockets, lowestOthers);
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
        Descriptors.Snapshot now = Descriptors.now();
        this.socketsRunning = now.sockets();
        this.othersRunning = now.others();
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
        return Descriptors.count();
    }

    /** The pool's idle connections now. */
    int poolIdle() {
        return service.connector().stats().pool().idle();
    }

    /**
     * Waits until the scenario left nothing behind while the proxy still runs: no client connection
     * open on the proxy, at most {@code allowedPooled} more idle upstream connections than at the
     * baseline, every origin connection either pooled or closed at both ends, no socket open that
     * was not at the running baseline except two per extra pooled connection (its proxy and
     * in-process origin ends), other descriptors back to the running baseline (within the
     * tolerance), and the pool never sampled over its ceiling.
     */
    void assertSettled(int allowedPooled) {
        assertSettled(allowedPooled, CAP);
    }

    /** {@link #assertSettled(int)} with another cap on the wait (for the helper's own tests). */
    void assertSettled(int allowedPooled, Duration cap) {
        Await.until("the proxy and pool settle after the scenario", cap, () -> {
            int idle = poolIdle();
            int extraIdle = idle - idleRunning;
            Descriptors.Snapshot now = Descriptors.now();
            return service.openConnections() == 0
                    && extraIdle <= allowedPooled
                    && originConnections.getAsInt() <= idle
                    && now.socketsNotIn(socketsRunning).size() <= 2 * Math.max(0, extraIdle)
                    && now.others() <= othersRunning + FD_TOLERANCE;
        }, this::state);
        socketsSettled = Descriptors.now().socketsNotIn(socketsRunning).size();
        idleSettled = poolIdle();
        assertUnderCeiling();
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

    /**
     * After the proxy and origin were closed: the pool is empty, no socket is open that was not
     * before the scenario, and the other descriptors are back (within the tolerance).
     */
    void assertReleased() {
        assertReleased(CAP);
    }

    /** {@link #assertReleased()} with another cap on the wait (for the helper's own tests). */
    void assertReleased(Duration cap) {
        close();
        Await.until("descriptors back to the baseline after closing proxy and origin", cap, () -> {
            Descriptors.Snapshot now = Descriptors.now();
            return poolIdle() == 0 && now.socketsNotIn(socketsBefore).isEmpty()
                    && now.others() <= othersBefore + FD_TOLERANCE;
        }, this::state);
        socketsReleased = Descriptors.now().socketsNotIn(socketsBefore).size();
        assertUnderCeiling();
    }

    private String state() {
        Descriptors.Snapshot now = Descriptors.now();
        return "openConnections=" + service.openConnections() + " poolIdle=" + poolIdle()
                + " (running baseline " + idleRunning + ") originConnections=" + originConnections.getAsInt()
                + " sockets not open at the running baseline: " + Descriptors.describe(now.socketsNotIn(socketsRunning))
                + "; sockets not open before: " + Descriptors.describe(now.socketsNotIn(socketsBefore))
                + "; other descriptors " + now.others() + " (before " + othersBefore + ", running " + othersRunning
                + ", tolerance " + FD_TOLERANCE + ")";
    }

    /** One line for the scenario summary. */
    String report() {
        return "sockets before=" + socketsBefore.size() + " running=" + socketsRunning.size()
                + " new when settled=" + socketsSettled + " new when released=" + socketsReleased
                + " otherFds before=" + othersBefore + " running=" + othersRunning
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
