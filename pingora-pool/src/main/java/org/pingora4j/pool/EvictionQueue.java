package org.pingora4j.pool;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connections the pool dropped under its lock and must still report to the {@link EvictionListener}
 * once the lock is released, in the order they were dropped. Listeners run unlocked so that a slow
 * or re-entrant listener can neither stall nor deadlock the pool.
 *
 * <p>Filled under the pool's lock; {@link #drain()} hands the chain to the reporting thread, which
 * then owns it alone. An intrusive list through {@link PoolHandle#nextEvicted}: no allocation.
 *
 * @param <T> the pooled connection type
 */
final class EvictionQueue<T> {

    private static final Logger logger = LoggerFactory.getLogger(ConnectionPool.class);

    private PoolHandle<T> head;
    private PoolHandle<T> tail;

    /** Marks {@code handle} evicted for {@code cause} and queues it; under the pool's lock. */
    void add(PoolHandle<T> handle, EvictionCause cause) {
        handle.setState(PoolHandle.State.EVICTED);
        handle.cause = cause;
        if (tail == null) {
            head = handle;
        } else {
            tail.nextEvicted = handle;
        }
        tail = handle;
    }

    /** Empties the queue and returns its chain, or null; under the pool's lock. */
    PoolHandle<T> drain() {
        PoolHandle<T> chain = head;
        head = null;
        tail = null;
        return chain;
    }

    /** Tells {@code listener} of every handle in {@code chain}; outside the pool's lock. */
    static <T> void report(PoolHandle<T> chain, EvictionListener<? super T> listener) {
        for (PoolHandle<T> h = chain; h != null; ) {
            PoolHandle<T> next = h.nextEvicted;
            h.nextEvicted = null;
            T connection = h.connection;
            h.connection = null;
            try {
                listener.onEviction(h.meta, connection, h.cause);
            } catch (RuntimeException e) {
                logger.warn("Eviction listener failed for {} ({})", h.meta, h.cause, e);
            }
            h = next;
        }
    }
}
