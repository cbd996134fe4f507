package org.pingora4j.bench.pool;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.pingora4j.pool.GroupKey;

/**
 * The baseline: what one writes first for a globally bounded LRU pool. One monitor; a
 * {@link LinkedHashMap} in release order is the LRU across groups; an {@link ArrayDeque} per group
 * gives LIFO reuse. Same semantics as pingora4j's pool with a hard cap (no overshoot, no timeouts).
 */
final class SynchronizedLruPool implements PoolType.BenchPool {

    private final int capacity;
    private final LinkedHashMap<Long, Conn> lru = new LinkedHashMap<>();
    private final HashMap<GroupKey, ArrayDeque<Conn>> groups = new HashMap<>();

    SynchronizedLruPool(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public synchronized Conn get(GroupKey key) {
        ArrayDeque<Conn> group = groups.get(key);
        if (group == null) {
            return null;
        }
        Conn conn = group.pollLast();
        if (group.isEmpty()) {
            groups.remove(key);
        }
        if (conn != null) {
            lru.remove(conn.meta.id());
        }
        return conn;
    }

    @Override
    public synchronized void put(Conn conn) {
        lru.put(conn.meta.id(), conn);
        groups.computeIfAbsent(conn.meta.key(), k -> new ArrayDeque<>()).addLast(conn);
        if (lru.size() > capacity) {
            Iterator<Map.Entry<Long, Conn>> eldest = lru.entrySet().iterator();
            Conn victim = eldest.next().getValue();
            eldest.remove();
            ArrayDeque<Conn> group = groups.get(victim.meta.key());
            group.remove(victim);
            if (group.isEmpty()) {
                groups.remove(victim.meta.key());
            }
        }
    }
}
