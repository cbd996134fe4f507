package org.pingora4j.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

final class ConnectionPoolTest {

    private static final GroupKey A = GroupKey.of(0xA);
    private static final GroupKey B = GroupKey.of(0xB);
    private static final GroupKey C = GroupKey.of(0xC);
    private static final Duration TRIM = Duration.ofSeconds(1);

    private final FakeTicker ticker = new FakeTicker();
    private final ManualScheduler scheduler = new ManualScheduler(ticker);
    private final RecordingListener<String> listener = new RecordingListener<>();

    private ConnectionPool<String> pool(int capacity) {
        return builder(capacity).build();
    }

    private ConnectionPoolBuilder<String> builder(int capacity) {
        return ConnectionPool.<String>builder()
                .capacity(capacity)
                .trimDelay(TRIM)
                .ticker(ticker)
                .scheduler(scheduler)
                .evictionListener(listener);
    }

    private static PoolHandle<String> put(ConnectionPool<String> pool, GroupKey key, String conn) {
        return pool.put(ConnectionMeta.create(key), conn);
    }

    @Test
    void getReturnsConnectionsOfTheRequestedGroupOnly() {
        ConnectionPool<String> pool = pool(8);
        put(pool, A, "a1");
        put(pool, B, "b1");
        put(pool, A, "a2");

        assertEquals("b1", pool.get(B));
        assertNull(pool.get(B));
        assertNull(pool.get(C));
        List<String> fromA = List.of(pool.get(A), pool.get(A));
        assertEquals(List.of("a2", "a1"), fromA);
        assertNull(pool.get(A));

        PoolStats stats = pool.stats();
        assertEquals(3, stats.hits());
        assertEquals(3, stats.misses());
        assertEquals(3, stats.puts());
        assertEquals(0, stats.idle());
    }

    @Test
    void withinAGroupTheMostRecentlyReleasedGoesFirst() {
        ConnectionPool<String> pool = pool(8);
        for (int i = 1; i <= 5; i++) {
            put(pool, A, "a" + i);
        }
        assertEquals("a5", pool.get(A));
        put(pool, A, "a6");
        assertEquals("a6", pool.get(A));
        assertEquals("a4", pool.get(A));
        assertEquals("a3", pool.get(A));
        assertEquals("a2", pool.get(A));
        assertEquals("a1", pool.get(A));
    }

    @Test
    void atCapacityTheLeastRecentlyReleasedOfAnyGroupIsEvicted() {
        ConnectionPool<String> pool = builder(3).trimDelay(Duration.ZERO).build();
        put(pool, A, "a1");
        put(pool, B, "b1");
        put(pool, A, "a2");
        put(pool, C, "c1"); // evicts a1, the oldest, though A still has a2
        assertEquals(List.of("a1"), listener.connections());

        assertEquals("b1", pool.get(B)); // b1 leaves; order is now a2, c1
        put(pool, B, "b2");              // a2, c1, b2: at capacity, nothing evicted
        put(pool, A, "a3");              // evicts a2
        put(pool, C, "c2");              // evicts c1
        assertEquals(List.of("a1", "a2", "c1"), listener.connections());
        assertTrue(listener.evictions().stream().allMatch(e -> e.cause() == EvictionCause.CAPACITY));
        assertEquals(3, pool.idleCount());
        assertEquals(3, pool.stats().evictions());
        assertEquals("a3", pool.get(A));
        assertNull(pool.get(A));
    }

    @Test
    void releasingAnIdleConnectionAgainMakesItTheMostRecent() {
        ConnectionPool<String> pool = builder(2).trimDelay(Duration.ZERO).build();
        ConnectionMeta a1 = ConnectionMeta.create(A);
        pool.put(a1, "a1");
        put(pool, B, "b1");
        assertEquals("a1", pool.get(A));
        pool.put(a1, "a1");       // a1 is now newer than b1
        put(pool, C, "c1");       // so b1 goes
        assertEquals(List.of("b1"), listener.connections());
    }

    @Test
    void capacityZeroPoolsNothing() {
        ConnectionPool<String> pool = pool(0);
        assertEquals(0, pool.maxIdle());
        PoolHandle<String> handle = put(pool, A, "a1");

        assertEquals(PoolHandle.State.EVICTED, handle.state());
        assertEquals(List.of("a1"), listener.connections());
        assertEquals(EvictionCause.CAPACITY, listener.evictions().get(0).cause());
        assertNull(pool.get(A));
        assertEquals(0, pool.idleCount());
        assertFalse(pool.popClosed(handle));
    }

    @Test
    void capacityOneWithHardCapKeepsOnlyTheNewest() {
        ConnectionPool<String> pool = builder(1).trimDelay(Duration.ZERO).build();
        put(pool, A, "a1");
        put(pool, B, "b1");
        assertEquals(List.of("a1"), listener.connections());
        assertNull(pool.get(A));
        assertEquals("b1", pool.get(B));
    }

    @Test
    void capacityOneToleratesOneExtraUntilTheTrimDelay() {
        ConnectionPool<String> pool = pool(1);
        assertEquals(2, pool.maxIdle());
        put(pool, A, "a1");
        put(pool, A, "a2");               // over capacity, within the ceiling: nothing evicted
        assertEquals(0, listener.count());
        put(pool, A, "a3");               // would cross the ceiling: a1 goes at once
        assertEquals(List.of("a1"), listener.connections());

        ticker.advance(TRIM);
        scheduler.runDue();               // the overshoot has lasted the trim delay
        assertEquals(List.of("a1", "a2"), listener.connections());
        assertEquals(1, pool.idleCount());
        assertEquals("a3", pool.get(A));
    }

    @Test
    void burstAboveCapacityTakenBackWithinTheDelayClosesNothing() {
        ConnectionPool<String> pool = pool(4); // maxIdle 8
        List<ConnectionMeta> metas = new ArrayList<>();
        for (int round = 0; round < 50; round++) {
            for (int i = 0; i < 8; i++) {
                if (metas.size() < 8) {
                    metas.add(ConnectionMeta.create(A));
                }
                pool.put(metas.get(i), "c" + metas.get(i).id());
            }
            ticker.advance(TRIM.dividedBy(2));
            scheduler.runDue();
            for (int i = 0; i < 8; i++) {
                assertTrue(pool.get(A) != null);
            }
            ticker.advance(TRIM.dividedBy(4));
            scheduler.runDue();
        }
        assertEquals(0, listener.count(), "a burst taken back within the delay must close nothing");
        assertEquals(0, pool.stats().evictions());
    }

    @Test
    void onceQuietForLongerThanTheDelayTheIdleCountIsAtMostTheCapacity() {
        ConnectionPool<String> pool = pool(4);
        for (int i = 0; i < 8; i++) {
            put(pool, i % 2 == 0 ? A : B, "c" + i);
        }
        assertEquals(8, pool.idleCount());
        ticker.advance(TRIM.minusNanos(1));
        scheduler.runDue();
        assertEquals(8, pool.idleCount(), "not yet: the overshoot has not lasted the delay");
        ticker.advanceNanos(1);
        scheduler.runDue();
        assertEquals(4, pool.idleCount());
        assertEquals(List.of("c0", "c1", "c2", "c3"), listener.connections(), "oldest first");
    }

    @Test
    void aDipToCapacityRestartsTheOvershootClock() {
        ConnectionPool<String> pool = pool(2);
        put(pool, A, "a1");
        put(pool, A, "a2");
        put(pool, A, "a3");                // over since t0
        ticker.advance(TRIM.dividedBy(2));
        assertEquals("a3", pool.get(A));   // back at capacity
        put(pool, A, "a4");                // over again since t0 + delay/2
        ticker.advance(TRIM.dividedBy(2));
        scheduler.runDue();                // the first run finds the overshoot too young
        assertEquals(3, pool.idleCount());
        ticker.advance(TRIM.dividedBy(2));
        scheduler.runDue();
        assertEquals(2, pool.idleCount());
        assertEquals(List.of("a1"), listener.connections());
    }

    @Test
    void theHardCeilingIsNeverCrossed() {
        ConnectionPool<String> pool = builder(3).maxIdle(5).build();
        for (int i = 0; i < 100; i++) {
            put(pool, GroupKey.of(i % 7), "c" + i);
            assertTrue(pool.idleCount() <= 5);
        }
        assertEquals(95, listener.count());
    }

    @Test
    void affinityIsPreferredAndFallsBackToAnyConnectionOfTheGroup() {
        ConnectionPool<String> pool = pool(8);
        pool.put(ConnectionMeta.create(A), "loop0-old", 0, null);
        pool.put(ConnectionMeta.create(A), "loop1", 1, null);
        pool.put(ConnectionMeta.create(A), "loop0-new", 0, null);
        pool.put(ConnectionMeta.create(A), "none", ConnectionPool.NO_AFFINITY, null);

        assertEquals("loop1", pool.get(A, 1));
        assertEquals("loop0-new", pool.get(A, 0));
        assertEquals("none", pool.get(A, 1), "loop 1 has none left: the group's newest");
        assertEquals("loop0-old", pool.get(A, 7), "an unseen loop falls back too");
        assertNull(pool.get(A, 0));
        assertEquals(2, pool.stats().affinityFallbacks());
    }

    @Test
    void affinityOutOfRangeIsRejectedWithTheRange() {
        ConnectionPool<String> pool = pool(8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pool.put(ConnectionMeta.create(A), "x", 4096, null));
        assertEquals("affinity: 4096 (expected: -1 or 0..4095)", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pool.get(A, -2));
        pool.put(ConnectionMeta.create(A), "top", 4095, null);
        assertEquals("top", pool.get(A, 4095));
    }

    @Test
    void everyEvictedConnectionIsReportedExactlyOnce() {
        ConnectionPool<String> pool = builder(10).trimDelay(Duration.ZERO).build();
        List<PoolHandle<String>> handles = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            handles.add(put(pool, GroupKey.of(i % 13), "c" + i));
            if (i % 3 == 0) {
                pool.get(GroupKey.of(i % 13));
            }
            if (i % 5 == 0) {
                pool.popClosed(handles.get(i / 2));
            }
        }
        pool.close();
        List<String> reported = listener.connections();
        assertEquals(reported.size(), reported.stream().distinct().count(), "reported twice");
        long evicted = handles.stream().filter(h -> h.state() == PoolHandle.State.EVICTED).count();
        assertEquals(evicted, reported.size());
        PoolStats s = pool.stats();
        assertEquals(s.puts(), s.hits() + s.evictions() + s.expirations() + s.removals() + s.drained() + s.idle());
        assertEquals(s.evictions() + s.drained(), reported.size());
    }

    @Test
    void popClosedTakesOutAnIdleConnectionOnce() {
        ConnectionPool<String> pool = pool(8);
        PoolHandle<String> a1 = put(pool, A, "a1");
        ConnectionMeta a2 = ConnectionMeta.create(A);
        pool.put(a2, "a2");

        assertTrue(pool.popClosed(a1));
        assertEquals(PoolHandle.State.REMOVED, a1.state());
        assertFalse(pool.popClosed(a1));
        assertTrue(pool.popClosed(a2));
        assertFalse(pool.popClosed(a2));
        assertNull(pool.get(A));
        assertEquals(0, listener.count(), "the owner removed them; nobody is told");
        assertEquals(2, pool.stats().removals());
    }

    @Test
    void popClosedAfterGetReturnsFalse() {
        ConnectionPool<String> pool = pool(8);
        PoolHandle<String> a1 = put(pool, A, "a1");
        assertTrue(a1.isIdle());
        assertEquals("a1", pool.get(A));
        assertEquals(PoolHandle.State.TAKEN, a1.state());
        assertFalse(pool.popClosed(a1));
    }

    @Test
    void popClosedRejectsAHandleOfAnotherPool() {
        ConnectionPool<String> one = pool(8);
        ConnectionPool<String> other = pool(8);
        PoolHandle<String> handle = put(one, A, "a1");
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> other.popClosed(handle));
        assertTrue(e.getMessage().startsWith("handle belongs to another pool"), e.getMessage());
        assertTrue(handle.isIdle());
    }

    @Test
    void anExpiredConnectionIsNeverHandedOut() {
        ConnectionPool<String> pool = pool(8);
        pool.put(ConnectionMeta.create(A), "a1", ConnectionPool.NO_AFFINITY, Duration.ofSeconds(10));
        pool.put(ConnectionMeta.create(A), "a2", ConnectionPool.NO_AFFINITY, Duration.ofSeconds(5));
        ticker.advance(Duration.ofSeconds(5));
        assertEquals("a1", pool.get(A), "a2 expired first although it is newer");
        assertEquals(List.of("a2"), listener.connections());
        assertEquals(EvictionCause.EXPIRED, listener.evictions().get(0).cause());
    }

    @Test
    void expiredConnectionsAreSweptOnSchedule() {
        ConnectionPool<String> pool = pool(8);
        pool.put(ConnectionMeta.create(A), "a1", ConnectionPool.NO_AFFINITY, Duration.ofSeconds(60));
        pool.put(ConnectionMeta.create(B), "b1", ConnectionPool.NO_AFFINITY, Duration.ofSeconds(30));
        ticker.advance(Duration.ofSeconds(29));
        scheduler.runDue();
        assertEquals(0, listener.count());
        ticker.advance(Duration.ofSeconds(1));
        scheduler.runDue();
        assertEquals(List.of("b1"), listener.connections());
        ticker.advance(Duration.ofSeconds(30));
        scheduler.runDue();
        assertEquals(List.of("b1", "a1"), listener.connections());
        assertEquals(0, pool.idleCount());
        assertEquals(0, pool.groupCount(), "empty groups are reclaimed by the same run");
        assertEquals(0, scheduler.pending());
    }

    @Test
    void zeroIdleTimeoutMeansDoNotPool() {
        ConnectionPool<String> pool = pool(8);
        PoolHandle<String> h = pool.put(ConnectionMeta.create(A), "a1", 0, Duration.ZERO);
        assertEquals(PoolHandle.State.EVICTED, h.state());
        assertEquals(EvictionCause.EXPIRED, listener.evictions().get(0).cause());
        assertNull(pool.get(A));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pool.put(ConnectionMeta.create(A), "x", 0, Duration.ofSeconds(-1)));
        assertEquals("idleTimeout: PT-1S (expected: >= 0)", e.getMessage());
    }

    @Test
    void hugeIdleTimeoutsDoNotOverflow() {
        ConnectionPool<String> pool = pool(8);
        pool.put(ConnectionMeta.create(A), "a1", 0, Duration.ofSeconds(Long.MAX_VALUE));
        ticker.advance(Duration.ofDays(365 * 50));
        assertEquals("a1", pool.get(A));
    }

    @Test
    void emptyGroupsAreReclaimedSoDistinctKeysLeaveNoResidue() {
        ConnectionPool<String> pool = pool(16);
        for (long i = 0; i < 1_000_000; i++) {
            GroupKey key = GroupKey.of(i, "peer-" + i);
            pool.put(ConnectionMeta.create(key), "c");
            assertEquals("c", pool.get(key));
            assertTrue(pool.groupCount() <= ConnectionPool.MAX_EMPTY_GROUPS + 1);
        }
        ticker.advance(TRIM);
        scheduler.runDue();
        assertEquals(0, pool.groupCount());
        assertEquals(0, pool.idleCount());
    }

    @Test
    void groupsEmptiedByEvictionOrRemovalAreReclaimedToo() {
        ConnectionPool<String> pool = builder(1).trimDelay(Duration.ZERO).build();
        PoolHandle<String> a = put(pool, A, "a1");
        put(pool, B, "b1");                 // evicts a1: group A is empty
        assertTrue(pool.popClosed(pool.put(ConnectionMeta.create(C), "c1"))); // evicts b1
        assertFalse(a.isIdle());
        pool.cleanUp();
        assertEquals(0, pool.groupCount());
    }

    @Test
    void aGroupRefilledBeforeReclamationKeepsItsNode() {
        ConnectionPool<String> pool = pool(8);
        put(pool, A, "a1");
        PoolNode<String> node = pool.group(A);
        assertEquals("a1", pool.get(A));
        put(pool, A, "a2");
        assertSame(node, pool.group(A));
        ticker.advance(TRIM);
        scheduler.runDue();
        assertSame(node, pool.group(A));
        assertEquals(1, node.idleCount());
    }

    @Test
    void keysWithTheSameHashButDifferentIdentitiesNeverShare() {
        ConnectionPool<String> pool = pool(8);
        GroupKey trustsCaOne = GroupKey.of(42, "api:443/ca=one");
        GroupKey trustsCaTwo = GroupKey.of(42, "api:443/ca=two");
        assertNotEquals(trustsCaOne, trustsCaTwo);
        assertEquals(trustsCaOne.hashCode(), trustsCaTwo.hashCode());
        put(pool, trustsCaOne, "verified-by-one");
        assertNull(pool.get(trustsCaTwo));
        assertEquals("verified-by-one", pool.get(GroupKey.of(42, "api:443/ca=one")));
    }

    @Test
    void closeDrainsEverythingAndLaterPutsToo() {
        ConnectionPool<String> pool = pool(8);
        put(pool, A, "a1");
        put(pool, B, "b1");
        pool.close();
        assertEquals(List.of("a1", "b1"), listener.connections());
        PoolHandle<String> late = put(pool, A, "late");
        assertEquals(PoolHandle.State.EVICTED, late.state());
        assertEquals(EvictionCause.SHUTDOWN, listener.evictions().get(2).cause());
        assertNull(pool.get(A));
        assertEquals(0, pool.groupCount());
        pool.close();
        assertEquals(3, pool.stats().drained());
    }

    @Test
    void aFailingListenerDoesNotBreakThePool() {
        ConnectionPool<String> pool = ConnectionPool.<String>builder()
                .capacity(1)
                .trimDelay(Duration.ZERO)
                .ticker(ticker)
                .scheduler(scheduler)
                .evictionListener((meta, conn, cause) -> {
                    throw new IllegalStateException("listener bug");
                })
                .build();
        put(pool, A, "a1");
        put(pool, A, "a2");
        assertEquals("a2", pool.get(A));
        assertEquals(1, pool.stats().evictions());
    }

    @Test
    void aThrowingSchedulerLeavesMaintenanceToLaterCalls() {
        ConnectionPool<String> pool = builder(1)
                .scheduler((task, delay) -> {
                    throw new IllegalStateException("event loop shut down");
                })
                .build();
        put(pool, A, "a1");
        put(pool, A, "a2");
        ticker.advance(TRIM);
        pool.cleanUp();
        assertEquals(1, pool.idleCount());
    }

    @Test
    void statsAreConsistent() {
        ConnectionPool<String> pool = pool(8);
        put(pool, A, "a1");
        put(pool, A, "a2");
        put(pool, B, "b1");
        pool.get(C);
        PoolStats stats = pool.stats();
        assertEquals(3, stats.idle());
        assertEquals(8, stats.capacity());
        assertEquals(16, stats.maxIdle());
        assertEquals(2, stats.idlePerGroup().get(A));
        assertEquals(1, stats.idlePerGroup().get(B));
        assertEquals(1, stats.misses());
        assertEquals(0.0, stats.hitRatio());
        pool.get(A);
        assertEquals(0.5, pool.stats().hitRatio());
    }

    @Test
    void builderRejectsBadSettingsNamingThem() {
        assertEquals("capacity: -1 (expected: >= 0)", assertThrows(IllegalArgumentException.class,
                () -> ConnectionPool.builder().capacity(-1)).getMessage());
        assertEquals("maxIdle: -3 (expected: >= 0)", assertThrows(IllegalArgumentException.class,
                () -> ConnectionPool.builder().maxIdle(-3)).getMessage());
        assertEquals("trimDelay: PT-1S (expected: 0s..1d)", assertThrows(IllegalArgumentException.class,
                () -> ConnectionPool.builder().trimDelay(Duration.ofSeconds(-1))).getMessage());
        assertEquals("maxIdle: 4 (expected: >= capacity 8)", assertThrows(IllegalStateException.class,
                () -> ConnectionPool.builder().capacity(8).maxIdle(4).build()).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ConnectionPool<String>(-5));
        assertEquals(128, new ConnectionPool<String>(ConnectionPool.DEFAULT_CAPACITY).capacity());
    }

    @Test
    void putRejectsNulls() {
        ConnectionPool<String> pool = pool(8);
        assertEquals("meta", assertThrows(NullPointerException.class, () -> pool.put(null, "x")).getMessage());
        assertEquals("connection", assertThrows(NullPointerException.class,
                () -> pool.put(ConnectionMeta.create(A), null)).getMessage());
    }
}
