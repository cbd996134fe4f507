package org.pingora4j.pool;

/**
 * Told when the pool drops an idle connection on its own initiative, so that the owner closes it.
 * Plays the role of the {@code notify_evicted} signal that pingora's {@code ConnectionPool::put}
 * returns.
 *
 * <p>The pool calls the listener exactly once per dropped connection, never while holding its lock,
 * on whichever thread caused the eviction (a {@code put}, a {@code get} that found the connection
 * expired, or the {@link Scheduler}'s thread). The listener must not block; anything it throws is
 * logged and otherwise ignored. Connections the owner takes out itself with
 * {@link ConnectionPool#popClosed(PoolHandle)} are not reported.
 *
 * @param <T> the pooled connection type
 */
@FunctionalInterface
public interface EvictionListener<T> {

    /** Handles one connection that left the pool for {@code cause}; typically closes it. */
    void onEviction(ConnectionMeta meta, T connection, EvictionCause cause);

    /** Returns a listener that does nothing, for connections that need no closing. */
    static <T> EvictionListener<T> noop() {
        return (meta, connection, cause) -> { };
    }
}
