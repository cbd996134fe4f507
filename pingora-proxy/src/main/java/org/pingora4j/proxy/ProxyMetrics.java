package org.pingora4j.proxy;

import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * Where a {@link ProxyService}'s requests report to its meters: a few calls per request, each to a
 * meter registered up front. {@link #NONE}, the default, records nothing and reads no clock, so a
 * proxy without a registry pays only calls to empty methods, which the JIT removes.
 */
interface ProxyMetrics {

    /** Records nothing. */
    ProxyMetrics NONE = new ProxyMetrics() {
        @Override
        public long upstreamRequestSent() {
            return 0;
        }

        @Override
        public void upstreamResponded(long sentAt, HttpPeer peer) {
        }

        @Override
        public void requestFinished(Session session, PingoraException error, int retries, long totalNanos) {
        }
    };

    /** A try starts sending its request upstream; returns the time to give {@link #upstreamResponded}. */
    long upstreamRequestSent();

    /** The upstream's response head arrived from {@code peer} for the try that started at {@code sentAt}. */
    void upstreamResponded(long sentAt, HttpPeer peer);

    /**
     * The request ended, with {@code error} (null on success) after {@code retries} retries,
     * {@code totalNanos} after its head was read; its status is the response head's the client was
     * sent, if any.
     */
    void requestFinished(Session session, PingoraException error, int retries, long totalNanos);
}
