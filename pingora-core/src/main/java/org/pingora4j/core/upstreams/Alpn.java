package org.pingora4j.core.upstreams;

/**
 * Which HTTP versions to speak to the upstream. Mirrors pingora's {@code ALPN}; like pingora, the
 * default is {@link #H1}. Over TLS the choice is offered through ALPN; on a plain connection
 * {@link #H2} means HTTP/2 with prior knowledge (h2c, RFC 9113 §3.3) and {@link #H2H1} means
 * HTTP/1.1, since nothing on a plain connection can negotiate.
 */
public enum Alpn {
    /** HTTP/1.1 only. */
    H1,
    /** HTTP/2 only: ALPN {@code h2} over TLS, h2c with prior knowledge on a plain connection. */
    H2,
    /**
     * HTTP/2 preferred, HTTP/1.1 accepted: both offered over TLS. An origin that picks
     * {@code http/1.1} is remembered, and later requests to it go straight to HTTP/1.1.
     */
    H2H1
}
