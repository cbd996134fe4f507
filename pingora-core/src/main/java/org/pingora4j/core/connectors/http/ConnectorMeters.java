package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.Established;

/**
 * Where an {@link HttpConnector} reports what only it sees as it happens: each new connection and
 * how long it took, each connect that failed. Everything else (the pool's counters, sessions,
 * reuse) is read from {@link HttpConnector#stats()} when the registry is scraped, so the request
 * path pays nothing for it.
 *
 * <p>{@link #NONE}, the default, does nothing: a connector without a registry pays one call to an
 * empty method per new connection, which the JIT removes.
 */
interface ConnectorMeters {

    /** Records nothing. */
    ConnectorMeters NONE = new ConnectorMeters() {
        @Override
        public void connected(Established established) {
        }

        @Override
        public void connectFailed(Throwable error) {
        }
    };

    /** A new connection is established (TCP connected, TLS done). On its event loop. */
    void connected(Established established);

    /** A connect failed with {@code error}, a {@link org.pingora4j.core.error.PingoraException} as a rule. */
    void connectFailed(Throwable error);
}
