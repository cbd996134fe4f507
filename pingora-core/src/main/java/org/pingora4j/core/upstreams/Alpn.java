package org.pingora4j.core.upstreams;

/**
 * Which HTTP versions to offer the upstream through TLS ALPN. Mirrors pingora's {@code ALPN}.
 * Like pingora, the default is {@link #H1}. pingora4j's upstream connector speaks HTTP/1.1 only so
 * far: {@link #H2H1} offers just {@code http/1.1}, and {@link #H2} is rejected when connecting.
 */
public enum Alpn {
    /** HTTP/1.1 only. */
    H1,
    /** HTTP/2 only. */
    H2,
    /** HTTP/2 preferred, HTTP/1.1 accepted. */
    H2H1
}
