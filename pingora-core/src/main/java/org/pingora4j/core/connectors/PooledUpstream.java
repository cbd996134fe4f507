package org.pingora4j.core.connectors;

import org.pingora4j.pool.EvictionCause;

/**
 * What the connector's one idle pool holds: an HTTP/1.1 connection between requests, or an HTTP/2
 * connection with no stream open. Both kinds share one bound ({@code upstream_keepalive_pool_size})
 * and one LRU order, as pingora's single pool does.
 */
public interface PooledUpstream {

    /** The pool dropped the idle connection: close it. Called on any thread. */
    void closeEvicted(EvictionCause cause);
}
