package org.pingora4j.core.error;

/**
 * What went wrong. Mirrors pingora's {@code ErrorType}; the names are pingora's in Java style, and
 * the few additions say so. {@link #HTTP_STATUS} carries its code in
 * {@link PingoraException#httpStatus()}.
 */
public enum ErrorType {
    // Connect: nothing was sent upstream.
    /** The TCP connect or the whole connect (TCP + TLS) timed out; the context says which. */
    CONNECT_TIMEDOUT,
    /** The peer refused the TCP connection. */
    CONNECT_REFUSED,
    /** No route to the peer (unreachable network or host). */
    CONNECT_NO_ROUTE,
    /** The peer's host name did not resolve (pingora panics instead). */
    DNS_FAILED,
    /** Binding the local address failed. */
    BIND_ERROR,
    /** Any other connect failure. */
    CONNECT_ERROR,
    /** The TLS handshake failed for a reason other than the certificate. */
    TLS_HANDSHAKE_FAILURE,
    /** The TLS handshake timed out. */
    TLS_HANDSHAKE_TIMEDOUT,
    /** The peer's certificate was not trusted or did not match the expected name. */
    INVALID_CERT,

    // Exchange.
    /** Reading failed. */
    READ_ERROR,
    /** Writing failed. */
    WRITE_ERROR,
    /** No bytes arrived within the read timeout. */
    READ_TIMEDOUT,
    /** A write did not complete within the write timeout. */
    WRITE_TIMEDOUT,
    /** The peer closed the connection before the exchange finished. */
    CONNECTION_CLOSED,
    /** A header could not be parsed or is not allowed. */
    INVALID_HTTP_HEADER,
    /** The HTTP/1.x exchange broke the protocol. */
    H1_ERROR,
    /** The HTTP/2 exchange broke the protocol, or the stream was reset. */
    H2_ERROR,
    /** The upstream's HTTP/2 frames or headers were invalid. */
    INVALID_H2,
    /**
     * The origin provably did not process the request: its HTTP/2 stream was refused
     * ({@code REFUSED_STREAM}) or lay above a {@code GOAWAY}'s last stream id (RFC 9113 §8.7). Safe
     * to send again whatever the method. A pingora4j addition.
     */
    H2_REFUSED,
    /** An HTTP/2-only request (gRPC's trailers) would have to go to an HTTP/1.1-only peer. Pingora's {@code H2Downgrade}. */
    H2_DOWNGRADE,
    /** An error that should become this HTTP status; see {@link PingoraException#httpStatus()}. */
    HTTP_STATUS,

    // Local.
    /** The configuration is invalid (an addition: pingora reports these as read errors). */
    CONFIG_ERROR,
    /** A file could not be read. */
    FILE_READ_ERROR,
    /** A bug or broken invariant in the proxy or a user callback. */
    INTERNAL_ERROR,
    /** Anything else. */
    UNKNOWN_ERROR
}
