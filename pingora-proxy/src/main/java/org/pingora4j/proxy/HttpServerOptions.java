package org.pingora4j.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * How the proxy treats its downstream (client) HTTP/1.1 connections. Mirrors pingora's
 * {@code HttpServerOptions} plus the limits pingora hard-codes. Immutable; see {@link #builder()}.
 */
public final class HttpServerOptions {

    private static final HttpServerOptions DEFAULTS = builder().build();

    private final Duration keepaliveTimeout;
    private final int keepaliveRequestLimit;
    private final int maxHeaderSize;
    private final int maxInitialLineLength;
    private final boolean xForwardedFor;
    private final String via;

    private HttpServerOptions(Builder b) {
        keepaliveTimeout = b.keepaliveTimeout;
        keepaliveRequestLimit = b.keepaliveRequestLimit;
        maxHeaderSize = b.maxHeaderSize;
        maxInitialLineLength = b.maxInitialLineLength;
        xForwardedFor = b.xForwardedFor;
        via = b.via;
    }

    /** Returns the defaults: keep-alive 60 s (pingora's), no request limit, 64 KiB of headers. */
    public static HttpServerOptions defaults() {
        return DEFAULTS;
    }

    /** Returns a builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns how long a client connection may wait for its next request (and for its first one)
     * before it is closed; zero disables keep-alive.
     */
    public Duration keepaliveTimeout() {
        return keepaliveTimeout;
    }

    /** Returns the most requests served on one client connection, 0 for no limit (pingora's {@code keepalive_request_limit}). */
    public int keepaliveRequestLimit() {
        return keepaliveRequestLimit;
    }

    /** Returns the largest request header section accepted; a larger one gets 431. */
    public int maxHeaderSize() {
        return maxHeaderSize;
    }

    /** Returns the longest request line accepted; a longer one gets 414. */
    public int maxInitialLineLength() {
        return maxInitialLineLength;
    }

    /** Returns whether the client's address is appended to {@code X-Forwarded-For} upstream. */
    public boolean xForwardedFor() {
        return xForwardedFor;
    }

    /** Returns the pseudonym added to {@code Via} in both directions, or null for none. */
    public String via() {
        return via;
    }

    /** Builds {@link HttpServerOptions}. */
    public static final class Builder {
        private Duration keepaliveTimeout = Duration.ofSeconds(60);
        private int keepaliveRequestLimit;
        private int maxHeaderSize = 64 * 1024;
        private int maxInitialLineLength = 8 * 1024;
        private boolean xForwardedFor;
        private String via;

        private Builder() {
        }

        /** Sets the downstream keep-alive timeout; zero disables keep-alive. */
        public Builder keepaliveTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "keepaliveTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("keepaliveTimeout: " + timeout + " (expected: >= 0)");
            }
            keepaliveTimeout = timeout;
            return this;
        }

        /** Sets the most requests per client connection; 0 for no limit. */
        public Builder keepaliveRequestLimit(int limit) {
            if (limit < 0) {
                throw new IllegalArgumentException("keepaliveRequestLimit: " + limit + " (expected: >= 0)");
            }
            keepaliveRequestLimit = limit;
            return this;
        }

        /** Sets the largest request header section, 1 KiB to 1 MiB. */
        public Builder maxHeaderSize(int bytes) {
            if (bytes < 1024 || bytes > 1024 * 1024) {
                throw new IllegalArgumentException("maxHeaderSize: " + bytes + " (expected: 1024..1048576)");
            }
            maxHeaderSize = bytes;
            return this;
        }

        /** Sets the longest request line, 256 B to 64 KiB. */
        public Builder maxInitialLineLength(int bytes) {
            if (bytes < 256 || bytes > 64 * 1024) {
                throw new IllegalArgumentException("maxInitialLineLength: " + bytes + " (expected: 256..65536)");
            }
            maxInitialLineLength = bytes;
            return this;
        }

        /** Sets whether to append the client's address to {@code X-Forwarded-For}. */
        public Builder xForwardedFor(boolean enabled) {
            xForwardedFor = enabled;
            return this;
        }

        /** Sets the pseudonym for {@code Via} headers (e.g. {@code pingora4j}); null for none. */
        public Builder via(String pseudonym) {
            if (pseudonym != null && (pseudonym.isBlank() || !pseudonym.chars().allMatch(c -> c > 32 && c < 127))) {
                throw new IllegalArgumentException("via: \"" + pseudonym + "\" (expected: a token of visible ASCII)");
            }
            via = pseudonym;
            return this;
        }

        /** Builds the options. */
        public HttpServerOptions build() {
            return new HttpServerOptions(this);
        }
    }
}
