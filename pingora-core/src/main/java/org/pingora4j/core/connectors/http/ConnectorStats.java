package org.pingora4j.core.connectors.http;

import org.pingora4j.pool.PoolStats;

/**
 * What an {@link HttpConnector} did since it was made: the numbers that show whether pooling works.
 * Pingora exposes only its unexpected-data counter; these are the ones users of the JVM pools keep
 * asking for (reuse ratio, stale connections found, why connections were not reused).
 *
 * @param sessions upstream sessions handed out
 * @param reused sessions on a pooled connection
 * @param connectsOk new connections established (TCP + TLS handshakes paid)
 * @param connectsFailed connects that failed
 * @param staleOnCheckout pooled connections found dead when taken, and skipped
 * @param idleClosed idle connections the peer closed, or that sent bytes, while pooled
 * @param released sessions given back
 * @param notReusable given-back sessions whose connection was closed instead of pooled
 * @param pool the pool's own statistics
 */
public record ConnectorStats(long sessions, long reused, long connectsOk, long connectsFailed, long staleOnCheckout,
                             long idleClosed, long released, long notReusable, PoolStats pool) {

    /** Returns the share of sessions that reused a pooled connection, 0 when there were none. */
    public double reuseRatio() {
        return sessions == 0 ? 0.0 : (double) reused / sessions;
    }
}
