package org.pingora4j.proxy;

import io.netty.util.internal.PlatformDependent;
import java.time.Duration;
import java.util.Objects;

/**
 * How the proxy treats its downstream (client) connections, HTTP/1.1 and HTTP/2. Mirrors pingora's
 * {@code HttpServerOptions} plus the limits pingora hard-codes. Immutable; see {@link #builder()}.
 */
public final class HttpServerOptions {

    private static final HttpServerOptions DEFAULTS = builder().build();

    private final Duration keepaliveTimeout;
    private final int keepaliveRequestLimit;
    private final int maxHeaderSize;
    private final int maxInitialLineLength;
    private final int maxHeaderCount;
    private final Duration bodyReadTimeout;
    private final Duration writeTimeout;
    private final Duration drainTimeout;
    private final Duration tunnelIdleTimeout;
    private final boolean xForwardedFor;
    private final boolean dropIncomingXForwardedFor;
    private final String via;
    private final long maxBufferedBytes;
    private final boolean h2;
    private final boolean h2c;
    private final int h2MaxConcurrentStreams;
    private final int h2StreamWindow;
    private final boolean requestId;

    private HttpServerOptions(Builder b) {
        keepaliveTimeout = b.keepaliveTimeout;
        keepaliveRequestLimit = b.keepaliveRequestLimit;
        maxHeaderSize = b.maxHeaderSize;
        maxInitialLineLength = b.maxInitialLineLength;
        maxHeaderCount = b.maxHeaderCount;
        bodyReadTimeout = b.bodyReadTimeout;
        writeTimeout = b.writeTimeout;
        drainTimeout = b.drainTimeout;
        tunnelIdleTimeout = b.tunnelIdleTimeout;
        xForwardedFor = b.xForwardedFor;
        dropIncomingXForwardedFor = b.dropIncomingXForwardedFor;
        via = b.via;
        h2 = b.h2;
        h2c = b.h2c;
        h2MaxConcurrentStreams = b.h2MaxConcurrentStreams;
        h2StreamWindow = b.h2StreamWindow;
        requestId = b.requestId;
        maxBufferedBytes = b.maxBufferedBytes != 0 ? b.maxBufferedBytes : defaultMaxBufferedBytes();
    }

    /**
     * A quarter of the smaller of the heap and the direct memory the JVM may use (client data sits
     * in both), at least 4 MiB: room for the rest of the proxy's work whatever the client does.
     */
    static long defaultMaxBufferedBytes() {
        long memory = Math.min(Runtime.getRuntime().maxMemory(), PlatformDependent.maxDirectMemory());
        return Math.max(4L * 1024 * 1024, memory / 4);
    }

    /**
     * Returns the defaults: keep-alive 60 s (pingora's), no request limit, 64 KiB and 256 lines of
     * headers, 60 s for each of the body read, write and drain timeouts.
     */
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

    /** Returns the most header lines a request head may have; more get 431 (pingora's {@code MAX_HEADERS}). */
    public int maxHeaderCount() {
        return maxHeaderCount;
    }

    /**
     * Returns how long the proxy waits for the next bytes of a request body (a slow or stalled
     * upload) before it answers 408, or closes the connection if the response already started.
     * Like nginx's {@code client_body_timeout}, the time runs between two reads, not for the body.
     */
    public Duration bodyReadTimeout() {
        return bodyReadTimeout;
    }

    /**
     * Returns how long a write to the client may make no progress (a client that does not read)
     * before the connection is closed. Like nginx's {@code send_timeout}.
     */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /**
     * Returns how long, in total, the proxy reads and drops the unread rest of a request body after
     * the response, to keep the connection for the next request; past it the connection is closed.
     * Like nginx's {@code lingering_time}.
     */
    public Duration drainTimeout() {
        return drainTimeout;
    }

    /**
     * Returns how long a tunnel (a connection upgraded after {@code 101 Switching Protocols}, a
     * WebSocket say) may carry no byte either way before both its connections are closed; default
     * one hour. It replaces the client's request timeouts for the tunnel's life, as HAProxy's
     * {@code timeout tunnel} replaces its client and server timeouts (the HAProxy manual's example is
     * 1h); nginx applies {@code proxy_read_timeout}, 60 s by default, which closes WebSockets that
     * ping less often. Pingora has none (cloudflare/pingora#255).
     */
    public Duration tunnelIdleTimeout() {
        return tunnelIdleTimeout;
    }

    /** Returns whether the client's address is appended to {@code X-Forwarded-For} upstream. */
    public boolean xForwardedFor() {
        return xForwardedFor;
    }

    /**
     * Returns whether an {@code X-Forwarded-For} the client sent is dropped before the client's
     * address is added: set it on a proxy at the edge, where no client is trusted to say who it
     * forwards for.
     */
    public boolean dropIncomingXForwardedFor() {
        return dropIncomingXForwardedFor;
    }

    /** Returns the pseudonym added to {@code Via} in both directions, or null for none. */
    public String via() {
        return via;
    }

    /**
     * Returns the most bytes of client data the service holds in memory across all its client
     * connections: request bodies kept for a retry (up to 64 KiB each), requests and body parts
     * waiting their turn, and bytes read but not yet decoded. Each connection is bounded on its own
     * (about 64 KiB of waiting objects, 64 KiB of retry copy, one head); this bounds their sum. When
     * it is reached, the connections holding the most are shed: their request is answered 503 if
     * nothing was sent yet, else they are closed, until an eighth of the budget is free again. The
     * rest are served on. By default a quarter of the smaller of the maximum heap and the maximum
     * direct memory, at least 4 MiB. Counted in {@code pingora.proxy.client.buffered.bytes} and
     * {@code pingora.proxy.client.shed}. pingora has no such limit; nginx bounds each connection
     * only ({@code client_body_buffer_size}, {@code large_client_header_buffers}).
     */
    public long maxBufferedBytes() {
        return maxBufferedBytes;
    }

    /**
     * Returns whether TLS listeners offer HTTP/2 through ALPN ({@code h2, http/1.1}; default true).
     * Pingora's {@code HttpServerOptions.h2c} and its TLS settings' {@code enable_h2}.
     */
    public boolean h2() {
        return h2;
    }

    /**
     * Returns whether plain listeners accept HTTP/2 with prior knowledge (h2c, RFC 9113 §3.3),
     * told apart from HTTP/1.1 by the connection preface, so that both share a port (default false,
     * as pingora's {@code h2c}).
     */
    public boolean h2c() {
        return h2c;
    }

    /**
     * Returns how many streams an HTTP/2 client may have open at once on one connection
     * ({@code SETTINGS_MAX_CONCURRENT_STREAMS}, default 100, as RFC 9113 recommends at least).
     * With the stream window it bounds what one connection can make the proxy hold.
     */
    public int h2MaxConcurrentStreams() {
        return h2MaxConcurrentStreams;
    }

    /**
     * Returns the flow-control window the proxy gives each HTTP/2 client stream, in bytes (default
     * 65,535, the protocol's): how much of a request body may arrive before the upstream takes it.
     */
    public int h2StreamWindow() {
        return h2StreamWindow;
    }

    /**
     * Returns whether each request gets a request id and W3C trace context (default true): an
     * incoming {@code X-Request-Id} (1 to 128 letters, digits or {@code . _ : / + = @ -}) is kept, else the trace id
     * of a valid incoming {@code traceparent}, else a new 32-hex-digit id; a valid
     * {@code traceparent} passes unchanged, a missing or invalid one is replaced by a new one. Both
     * headers go upstream; the id is {@link Session#requestId()} and is in the access log. Pingora
     * has no such default; Envoy does the same with {@code x-request-id}.
     */
    public boolean requestId() {
        return requestId;
    }

    /** Builds {@link HttpServerOptions}. */
    public static final class Builder {
        private Duration keepaliveTimeout = Duration.ofSeconds(60);
        private int keepaliveRequestLimit;
        private int maxHeaderSize = 64 * 1024;
        private int maxInitialLineLength = 8 * 1024;
        private int maxHeaderCount = 256;
        private Duration bodyReadTimeout = Duration.ofSeconds(60);
        private Duration writeTimeout = Duration.ofSeconds(60);
        private Duration drainTimeout = Duration.ofSeconds(60);
        private Duration tunnelIdleTimeout = Duration.ofHours(1);
        private boolean xForwardedFor;
        private boolean dropIncomingXForwardedFor;
        private String via;
        private long maxBufferedBytes;
        private boolean h2 = true;
        private boolean h2c;
        private int h2MaxConcurrentStreams = 100;
        private int h2StreamWindow = 65_535;
        private boolean requestId = true;

        private Builder() {
        }

        /**
         * Sets the budget of buffered client data for the whole service, at least 1 MiB; 0 for the
         * default; see {@link HttpServerOptions#maxBufferedBytes()}.
         */
        public Builder maxBufferedBytes(long bytes) {
            if (bytes != 0 && bytes < 1024 * 1024) {
                throw new IllegalArgumentException("maxBufferedBytes: " + bytes + " (expected: 0 for the default, or >= 1048576)");
            }
            maxBufferedBytes = bytes;
            return this;
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

        /** Sets the most header lines per request, 1 to 10 000. */
        public Builder maxHeaderCount(int lines) {
            if (lines < 1 || lines > 10_000) {
                throw new IllegalArgumentException("maxHeaderCount: " + lines + " (expected: 1..10000)");
            }
            maxHeaderCount = lines;
            return this;
        }

        /** Sets the request body read timeout; see {@link HttpServerOptions#bodyReadTimeout()}. */
        public Builder bodyReadTimeout(Duration timeout) {
            bodyReadTimeout = positive(timeout, "bodyReadTimeout");
            return this;
        }

        /** Sets the client write timeout; see {@link HttpServerOptions#writeTimeout()}. */
        public Builder writeTimeout(Duration timeout) {
            writeTimeout = positive(timeout, "writeTimeout");
            return this;
        }

        /** Sets the body drain timeout; see {@link HttpServerOptions#drainTimeout()}. */
        public Builder drainTimeout(Duration timeout) {
            drainTimeout = positive(timeout, "drainTimeout");
            return this;
        }

        /** Sets the tunnel idle timeout; see {@link HttpServerOptions#tunnelIdleTimeout()}. */
        public Builder tunnelIdleTimeout(Duration timeout) {
            tunnelIdleTimeout = positive(timeout, "tunnelIdleTimeout");
            return this;
        }

        /** Sets whether to drop a client's own {@code X-Forwarded-For}; see {@link HttpServerOptions#dropIncomingXForwardedFor()}. */
        public Builder dropIncomingXForwardedFor(boolean drop) {
            dropIncomingXForwardedFor = drop;
            return this;
        }

        private static Duration positive(Duration timeout, String name) {
            Objects.requireNonNull(timeout, name);
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException(name + ": " + timeout + " (expected: > 0)");
            }
            return timeout;
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

        /** Sets whether TLS listeners offer HTTP/2 (ALPN {@code h2}); default true. */
        public Builder h2(boolean enabled) {
            h2 = enabled;
            return this;
        }

        /** Sets whether plain listeners accept HTTP/2 with prior knowledge beside HTTP/1.1; default false. */
        public Builder h2c(boolean enabled) {
            h2c = enabled;
            return this;
        }

        /** Sets the HTTP/2 streams a client may have open at once per connection (1 to 10,000). */
        public Builder h2MaxConcurrentStreams(int streams) {
            if (streams < 1 || streams > 10_000) {
                throw new IllegalArgumentException("h2MaxConcurrentStreams: " + streams + " (expected: 1 to 10000)");
            }
            h2MaxConcurrentStreams = streams;
            return this;
        }

        /** Sets the HTTP/2 flow-control window of each client stream in bytes (65,535 to 16 MiB). */
        public Builder h2StreamWindow(int bytes) {
            if (bytes < 65_535 || bytes > (16 << 20)) {
                throw new IllegalArgumentException("h2StreamWindow: " + bytes + " (expected: 65535 to 16777216)");
            }
            h2StreamWindow = bytes;
            return this;
        }

        /** Sets whether requests get a request id and trace context (see {@link HttpServerOptions#requestId()}); default true. */
        public Builder requestId(boolean enabled) {
            requestId = enabled;
            return this;
        }

        /** Builds the options. */
        public HttpServerOptions build() {
            return new HttpServerOptions(this);
        }
    }
}
