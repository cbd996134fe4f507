package org.pingora4j.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Several threads hammer one pool with random gets, puts, owner removals, clock moves and
 * maintenance runs, and every connection's life is checked: it is never handed out twice, never
 * lost, and the pool never holds more than its hard ceiling.
 */
final class ConnectionPoolStressTest {

    private static final int THREADS = 4;
    private static final int OPS_PER_THREAD = 150_000;
    private static final int GROUPS = 6;
    private static final int CAPACITY = 16;
    private static final int MAX_IDLE = 32;
    private static final Duration TRIM = Duration.ofMillis(50);

    /** Where a test connection is; every change is a compare-and-set from the one legal state. */
    enum Where { HELD, IDLE, EVICTED, REMOVED }

    static final class Conn {
        final ConnectionMeta meta;
        final AtomicReference<Where> where = new AtomicReference<>(Where.HELD);

        Conn(ConnectionMeta meta) {
            this.meta = meta;
        }

        void move(Where from, Where to, List<String> failures) {
            if (!where.compareAndSet(from, to)) {
                failures.add(meta + ": " + from + " -> " + to + " but was " + where.get());
            }
        }
    }

    @Test
    void noConnectionIsHandedOutTwiceOrLostAndTheCeilingHolds() throws Exception {
        FakeTicker ticker = new FakeTicker();
        List<String> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicLong evictedCapacity = new AtomicLong();
        AtomicLong evictedExpired = new AtomicLong();
        ConnectionPool<Conn> pool = ConnectionPool.<Conn>builder()
                .capacity(CAPACITY)
                .maxIdle(MAX_IDLE)
                .trimDelay(TRIM)
                .ticker(ticker)
                .scheduler(Scheduler.disabled())
                .evictionListener((meta, conn, cause) -> {
                    conn.move(Where.IDLE, Where.EVICTED, failures);
                    (cause == EvictionCause.EXPIRED ? evictedExpired : evictedCapacity).incrementAndGet();
                })
                .build();

        AtomicLong created = new AtomicLong();
        AtomicLong puts = new AtomicLong();
        AtomicLong hits = new AtomicLong();
        AtomicLong removed = new AtomicLong();
        AtomicInteger maxSeenIdle = new AtomicInteger();
        Queue<Conn> stillHeld = new ConcurrentLinkedQueue<>();
        CyclicBarrier start = new CyclicBarrier(THREADS);
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            long seed = 1234L + t;
            int loop = t;
            workers.add(threads.submit(() -> {
                SplittableRandom random = new SplittableRandom(seed);
                List<Conn> held = new ArrayList<>();
                List<PoolHandle<Conn>> handles = new ArrayList<>();
                start.await(10, TimeUnit.SECONDS);
                for (int op = 0; op < OPS_PER_THREAD; op++) {
                    int dice = random.nextInt(100);
                    GroupKey key = GroupKey.of(random.nextInt(GROUPS), "g");
                    if (dice < 40) {
                        Conn conn = pool.get(key, random.nextBoolean() ? loop : ConnectionPool.NO_AFFINITY);
                        if (conn != null) {
                            hits.incrementAndGet();
                            if (!conn.meta.key().equals(key)) {
                                failures.add("wrong group: " + conn.meta + " for " + key);
                            }
                            conn.move(Where.IDLE, Where.HELD, failures);
                            held.add(conn);
                        }
                    } else if (dice < 80) {
                        Conn conn;
                        if (!held.isEmpty() && random.nextInt(4) != 0) {
                            conn = held.remove(random.nextInt(held.size()));
                        } else {
                            conn = new Conn(ConnectionMeta.create(key));
                            created.incrementAndGet();
                        }
                        Duration timeout = switch (random.nextInt(4)) {
                            case 0 -> null;
                            case 1 -> Duration.ofMillis(1 + random.nextInt(200));
                            case 2 -> Duration.ofSeconds(60);
                            default -> random.nextInt(50) == 0 ? Duration.ZERO : Duration.ofSeconds(5);
                        };
                        conn.move(Where.HELD, Where.IDLE, failures);
                        puts.incrementAndGet();
                        PoolHandle<Conn> handle = pool.put(conn.meta, conn, random.nextBoolean() ? loop : -1, timeout);
                        if (handles.size() < 64) {
                            handles.add(handle);
                        } else {
                            handles.set(random.nextInt(handles.size()), handle);
                        }
                    } else if (dice < 90) {
                        if (!handles.isEmpty()) {
                            PoolHandle<Conn> handle = handles.get(random.nextInt(handles.size()));
                            // Read the connection before removal: popClosed clears it from the handle.
                            Conn conn = handle.connection;
                            if (pool.popClosed(handle)) {
                                removed.incrementAndGet();
                                if (conn == null) {
                                    failures.add("idle handle without a connection: " + handle);
                                } else {
                                    conn.move(Where.IDLE, Where.REMOVED, failures);
                                }
                            }
                        }
                    } else if (dice < 97) {
                        ticker.advanceNanos(random.nextLong(TRIM.toNanos() / 5));
                    } else {
                        pool.cleanUp();
                    }
                    int idle = pool.idleCount();
                    maxSeenIdle.accumulateAndGet(idle, Math::max);
                    if (idle > MAX_IDLE) {
                        failures.add("idle " + idle + " crossed the ceiling " + MAX_IDLE);
                    }
                }
                stillHeld.addAll(held);
                return null;
            }));
        }
        // A worker that threw fails the test with its exception, rather than dying on its own
        // thread (where only the uncaught-exception handler would see it) while the test goes on.
        try {
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
            assertTrue(threads.awaitTermination(10, TimeUnit.SECONDS), "the workers stopped");
        }

        assertTrue(failures.isEmpty(), () -> failures.size() + " failures, first: " + failures.subList(0, Math.min(5, failures.size())));

        // Quiescence: once quiet for longer than the trim delay, at most the capacity stays idle.
        ticker.advance(TRIM);
        pool.cleanUp();
        PoolStats stats = pool.stats();
        assertTrue(stats.idle() <= CAPACITY, "idle after quiescence: " + stats.idle());

        // Every put is accounted for exactly once, by the pool and by the test alike.
        assertEquals(puts.get(), stats.puts());
        assertEquals(hits.get(), stats.hits());
        assertEquals(removed.get(), stats.removals());
        assertEquals(evictedCapacity.get(), stats.evictions());
        assertEquals(evictedExpired.get(), stats.expirations());
        assertEquals(stats.puts(),
                stats.hits() + stats.evictions() + stats.expirations() + stats.removals() + stats.idle());

        // Close: every idle connection is reported, and each connection ends in exactly one place.
        pool.close();
        assertTrue(failures.isEmpty(), () -> failures.toString());
        assertEquals(0, pool.idleCount());
        assertEquals(0, pool.groupCount());
        assertTrue(stats.evictions() > 0 && stats.expirations() > 0 && stats.removals() > 0 && stats.hits() > 0,
                "the workload must exercise every path: " + stats);
        assertTrue(maxSeenIdle.get() > CAPACITY, "the workload must overshoot the capacity: " + maxSeenIdle);
        assertEquals(created.get(), stillHeld.size() + countTerminal(pool, stats),
                "every created connection is held, or left the pool exactly once for good");
    }

    /** Connections that ended for good: evicted, expired, removed or drained, net of reuse. */
    private static long countTerminal(ConnectionPool<Conn> pool, PoolStats before) {
        PoolStats after = pool.stats();
        return before.evictions() + before.expirations() + before.removals() + after.drained();
    }
}
