package org.pingora4j.pool;

import java.util.Map;

/**
 * A consistent snapshot of a {@link ConnectionPool}'s state and lifetime counters, from
 * {@link ConnectionPool#stats()}. Every connection ever put is accounted for exactly once:
 * {@code puts == hits + evictions + expirations + removals + drained + idle}.
 *
 * @param idle idle connections now, over all groups
 * @param capacity the steady-state capacity
 * @param maxIdle the hard ceiling
 * @param idlePerGroup idle connections now, per non-empty group
 * @param hits gets that returned a connection
 * @param misses gets that returned nothing
 * @param affinityFallbacks hits that asked for an affinity and got a connection of another
 * @param puts connections released into the pool
 * @param evictions connections evicted for capacity (least recently released first)
 * @param expirations connections dropped because their idle timeout passed (or was zero)
 * @param removals connections taken out by their owner as closed or broken while idle
 * @param drained connections dropped because the pool was closed
 */
public record PoolStats(
        int idle,
        int capacity,
        int maxIdle,
        Map<GroupKey, Integer> idlePerGroup,
        long hits,
        long misses,
        long affinityFallbacks,
        long puts,
        long evictions,
        long expirations,
        long removals,
        long drained) {

    /** Copies {@code idlePerGroup} so that the snapshot stays unchanged. */
    public PoolStats {
        idlePerGroup = Map.copyOf(idlePerGroup);
    }

    /** Returns the fraction of gets that found a connection, or 0 when there were none. */
    public double hitRatio() {
        long gets = hits + misses;
        return gets == 0 ? 0.0 : (double) hits / gets;
    }
}
