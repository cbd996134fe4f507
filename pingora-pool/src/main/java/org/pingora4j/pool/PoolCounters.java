package org.pingora4j.pool;

import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The pool's lifetime counters. Plain fields incremented under the pool's lock, where the pool
 * already is, so counting costs no atomic operation; only misses counted without the lock (a get
 * for a group that has no node) go to a {@link LongAdder}. Each connection put is counted exactly
 * once more when it leaves, which is what makes {@link PoolStats}' accounting identity hold.
 */
final class PoolCounters {

    final LongAdder lockFreeMisses = new LongAdder();
    long hits;
    long misses;
    long affinityFallbacks;
    long puts;
    long evictions;
    long expirations;
    long removals;
    long drained;

    /** Returns a snapshot; call under the pool's lock so that the counts agree with {@code idle}. */
    PoolStats snapshot(int idle, int capacity, int maxIdle, Map<GroupKey, Integer> idlePerGroup) {
        return new PoolStats(idle, capacity, maxIdle, idlePerGroup, hits, misses + lockFreeMisses.sum(),
                affinityFallbacks, puts, evictions, expirations, removals, drained);
    }
}
