package org.pingora4j.pool;

/**
 * The order in which idle connections of all groups were released, oldest first: the pool's single
 * LRU. Mirrors pingora's {@code lru.rs}, without its flaw: pingora keeps one LRU per thread that
 * released connections (issue #212), so its capacity is really "size × threads" and entries put on
 * one thread are never popped by another. This list is one for the whole pool, guarded by the pool's
 * lock, so the capacity holds across all groups and all threads.
 *
 * <p>An intrusive doubly linked list through {@link PoolHandle#lruOlder}/{@link PoolHandle#lruNewer}:
 * no allocation, O(1) append and unlink.
 *
 * @param <T> the pooled connection type
 */
final class Lru<T> {

    private PoolHandle<T> oldest;
    private PoolHandle<T> newest;
    private int size;

    int size() {
        return size;
    }

    /** Returns the least recently released idle connection, or null when none is idle. */
    PoolHandle<T> oldest() {
        return oldest;
    }

    void addNewest(PoolHandle<T> handle) {
        handle.lruOlder = newest;
        handle.lruNewer = null;
        if (newest == null) {
            oldest = handle;
        } else {
            newest.lruNewer = handle;
        }
        newest = handle;
        size++;
    }

    void unlink(PoolHandle<T> handle) {
        PoolHandle<T> older = handle.lruOlder;
        PoolHandle<T> newer = handle.lruNewer;
        if (older == null) {
            oldest = newer;
        } else {
            older.lruNewer = newer;
        }
        if (newer == null) {
            newest = older;
        } else {
            newer.lruOlder = older;
        }
        handle.lruOlder = null;
        handle.lruNewer = null;
        size--;
        assert size >= 0;
    }
}
