package org.pingora4j.core.upstreams;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;

/**
 * How to connect to and talk with one upstream peer: timeouts, TLS verification, client identity,
 * socket options. Mirrors pingora's {@code PeerOptions} (with {@code client_cert_key} and
 * {@code group_key}, which pingora keeps on {@code HttpPeer}). Immutable; build one with
 * {@link #builder()} or change a peer's with {@link HttpPeer#withOptions}.
 *
 * <p>Which fields make two connections not interchangeable, and so are part of the reuse hash, is
 * said on each accessor; see {@link HttpPeer#reuseKey()}. Timeouts never are.
 */
public final class PeerOptions {

    /**
     * The TLS handshake timeout of a peer whose {@linkplain #connectionTimeout() connection timeout}
     * was set to none: 10 seconds (pingora applies none, and waits forever).
     */
    public static final Duration DEFAULT_TLS_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The default TCP connect timeout (also applied to the TLS handshake): 5 seconds, Envoy's default
     * and the value HAProxy's documentation suggests. A connect to an origin that is up takes
     * milliseconds in a data centre, and 5 s still covers two lost SYNs (Linux resends after 1 s and
     * 3 s); nginx's and Reactor Netty's 60 s and 30 s only make a client wait longer for a 502
     * (or a retry on another peer) when an origin is down.
     */
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);

    /** The default timeout of TCP connect and TLS handshake together: 10 seconds, twice the connect timeout. */
    public static final Duration DEFAULT_TOTAL_CONNECTION_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The default read timeout: 60 seconds without a byte from the origin, nginx's
     * {@code proxy_read_timeout}. Long enough for slow reports and batch endpoints; a stream that
     * may stay silent longer (server-sent events, long polls, gRPC streams) needs its own value or
     * none.
     */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(60);

    /** The default write timeout: 60 seconds for one write to complete, nginx's {@code proxy_send_timeout}. */
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(60);

    // After the DEFAULT_* constants: static fields initialise in order, and the builder reads them.
    private static final PeerOptions DEFAULTS = new Builder().build();

    private final Duration connectionTimeout;
    private final Duration totalConnectionTimeout;
    private final Duration readTimeout;
    private final Duration writeTimeout;
    private final Duration idleTimeout;
    private final boolean verifyCert;
    private final boolean verifyHostname;
    private final String alternativeCn;
    private final CaCertificates ca;
    private final CertKey clientCertKey;
    private final long groupKey;
    private final Alpn alpn;
    private final TcpKeepalive tcpKeepalive;
    private final InetAddress bindTo;
    private final int tcpRecvBuf;
    private final int maxH2Streams;
    private final Duration h2PingInterval;
    private final int h2StreamWindow;
    private final int h2ConnectionWindow;

    private PeerOptions(Builder b) {
        connectionTimeout = b.connectionTimeout;
        totalConnectionTimeout = b.totalConnectionTimeout;
        readTimeout = b.readTimeout;
        writeTimeout = b.writeTimeout;
        idleTimeout = b.idleTimeout;
        verifyCert = b.verifyCert;
        verifyHostname = b.verifyHostname;
        alternativeCn = b.alternativeCn;
        ca = b.ca;
        clientCertKey = b.clientCertKey;
        groupKey = b.groupKey;
        alpn = b.alpn;
        tcpKeepalive = b.tcpKeepalive;
        bindTo = b.bindTo;
        tcpRecvBuf = b.tcpRecvBuf;
        maxH2Streams = b.maxH2Streams;
        h2PingInterval = b.h2PingInterval;
        h2StreamWindow = b.h2StreamWindow;
        h2ConnectionWindow = b.h2ConnectionWindow;
    }

    /**
     * Returns the defaults: pingora's {@code PeerOptions::new()} (verify everything, HTTP/1.1) with
     * timeouts, where pingora has none: {@link #DEFAULT_CONNECTION_TIMEOUT},
     * {@link #DEFAULT_TOTAL_CONNECTION_TIMEOUT}, {@link #DEFAULT_READ_TIMEOUT},
     * {@link #DEFAULT_WRITE_TIMEOUT}. Each setter takes null for none.
     */
    public static PeerOptions defaults() {
        return DEFAULTS;
    }

    /** Returns a builder with the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Returns the TCP connect timeout, applied again to the TLS handshake (as pingora), or null. */
    public Duration connectionTimeout() {
        return connectionTimeout;
    }

    /**
     * Returns how long a TLS handshake may take: the {@linkplain #connectionTimeout() connection
     * timeout} if set, else {@link #DEFAULT_TLS_HANDSHAKE_TIMEOUT}. Never unbounded: an origin that
     * accepts TCP but never answers the handshake would otherwise hold the request forever.
     */
    public Duration tlsHandshakeTimeout() {
        // Pingora applies the connect timeout to the handshake again; with none, still bounded.
        return connectionTimeout != null ? connectionTimeout : DEFAULT_TLS_HANDSHAKE_TIMEOUT;
    }

    /** Returns the timeout for TCP connect and TLS handshake together, or null. */
    public Duration totalConnectionTimeout() {
        return totalConnectionTimeout;
    }

    /** Returns the longest wait for the next upstream bytes while reading, or null. */
    public Duration readTimeout() {
        return readTimeout;
    }

    /** Returns the longest wait for one upstream write to complete, or null. */
    public Duration writeTimeout() {
        return writeTimeout;
    }

    /**
     * Returns how long a released connection may idle in the pool, or null for no limit; zero means
     * "do not pool". An upstream's {@code Keep-Alive: timeout} shortens it per connection.
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** Returns whether the certificate chain is verified (default true); in the reuse hash. */
    public boolean verifyCert() {
        return verifyCert;
    }

    /** Returns whether the certificate must match the SNI or alternative CN (default true); in the reuse hash. */
    public boolean verifyHostname() {
        return verifyHostname;
    }

    /** Returns an extra name the certificate may match instead of the SNI, or null; in the reuse hash. */
    public String alternativeCn() {
        return alternativeCn;
    }

    /** Returns the trust roots for this peer instead of the connector's, or null; in the reuse hash. */
    public CaCertificates ca() {
        return ca;
    }

    /** Returns the client certificate for mTLS, or null; in the reuse hash. */
    public CertKey clientCertKey() {
        return clientCertKey;
    }

    /** Returns the user's isolation key (pingora's {@code group_key}, default 0); in the reuse hash. */
    public long groupKey() {
        return groupKey;
    }

    /** Returns the protocols offered through ALPN (default {@link Alpn#H1}); in the reuse hash. */
    public Alpn alpn() {
        return alpn;
    }

    /** Returns TCP keepalive probing, or null for the OS default (off). */
    public TcpKeepalive tcpKeepalive() {
        return tcpKeepalive;
    }

    /** Returns the local address to connect from, or null to let the OS pick; in the reuse hash. */
    public InetAddress bindTo() {
        return bindTo;
    }

    /** Returns {@code SO_RCVBUF} in bytes, or 0 for the OS default. */
    public int tcpRecvBuf() {
        return tcpRecvBuf;
    }

    /**
     * Returns how many requests one HTTP/2 connection carries at once: 0 (the default) for what the
     * origin allows in its {@code SETTINGS_MAX_CONCURRENT_STREAMS}, capped at
     * {@value #DEFAULT_H2_STREAM_CAP}; otherwise at most this many, and never more than the origin
     * allows. In the reuse hash. Pingora's {@code max_h2_streams} defaults to 1, which makes every
     * h2 request pay for a connection of its own; here a connection is shared by default, as
     * browsers and gRPC clients share theirs, and the cap keeps one connection's loss from failing
     * more than a hundred requests at a time.
     */
    public int maxH2Streams() {
        return maxH2Streams;
    }

    /** The stream cap used when {@link #maxH2Streams()} is 0. */
    public static final int DEFAULT_H2_STREAM_CAP = 100;

    /**
     * Returns how often an HTTP/2 connection, idle or busy, is checked with a {@code PING} (and how
     * long its answer may take), or null for never (the default, as pingora's {@code h2_ping_interval}). A
     * PING that is not answered in time closes the connection.
     */
    public Duration h2PingInterval() {
        return h2PingInterval;
    }

    /**
     * Returns the HTTP/2 flow-control window of each stream, in bytes (default 65,535, the
     * protocol's): how much of one response the origin may send before the proxy passes it on, so
     * what one paused response can hold in memory. In the reuse hash.
     */
    public int h2StreamWindow() {
        return h2StreamWindow;
    }

    /** Returns the HTTP/2 flow-control window of a whole connection, in bytes (default 1 MiB). In the reuse hash. */
    public int h2ConnectionWindow() {
        return h2ConnectionWindow;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof PeerOptions other
                && verifyCert == other.verifyCert && verifyHostname == other.verifyHostname
                && groupKey == other.groupKey && tcpRecvBuf == other.tcpRecvBuf && alpn == other.alpn
                && Objects.equals(connectionTimeout, other.connectionTimeout)
                && Objects.equals(totalConnectionTimeout, other.totalConnectionTimeout)
                && Objects.equals(readTimeout, other.readTimeout)
                && Objects.equals(writeTimeout, other.writeTimeout)
                && Objects.equals(idleTimeout, other.idleTimeout)
                && Objects.equals(alternativeCn, other.alternativeCn) && Objects.equals(ca, other.ca)
                && Objects.equals(clientCertKey, other.clientCertKey)
                && Objects.equals(tcpKeepalive, other.tcpKeepalive) && Objects.equals(bindTo, other.bindTo)
                && maxH2Streams == other.maxH2Streams && Objects.equals(h2PingInterval, other.h2PingInterval)
                && h2StreamWindow == other.h2StreamWindow && h2ConnectionWindow == other.h2ConnectionWindow;
    }

    @Override
    public int hashCode() {
        return Objects.hash(connectionTimeout, totalConnectionTimeout, readTimeout, writeTimeout, idleTimeout,
                verifyCert, verifyHostname, alternativeCn, ca, clientCertKey, groupKey, alpn, tcpKeepalive,
                bindTo, tcpRecvBuf, maxH2Streams, h2PingInterval, h2StreamWindow, h2ConnectionWindow);
    }

    @Override
    public String toString() {
        return "PeerOptions(connectionTimeout=" + connectionTimeout + ", totalConnectionTimeout="
                + totalConnectionTimeout + ", readTimeout=" + readTimeout + ", writeTimeout=" + writeTimeout
                + ", idleTimeout=" + idleTimeout + ", verifyCert=" + verifyCert + ", verifyHostname="
                + verifyHostname + ", alternativeCn=" + alternativeCn + ", ca=" + ca + ", clientCertKey="
                + clientCertKey + ", groupKey=" + groupKey + ", alpn=" + alpn + ", tcpKeepalive=" + tcpKeepalive
                + ", bindTo=" + bindTo + ", tcpRecvBuf=" + tcpRecvBuf + ", maxH2Streams=" + maxH2Streams
                + ", h2PingInterval=" + h2PingInterval + ", h2StreamWindow=" + h2StreamWindow
                + ", h2ConnectionWindow=" + h2ConnectionWindow + ')';
    }

    /** Builds {@link PeerOptions}; every setter validates its argument. */
    public static final class Builder {
        private Duration connectionTimeout = DEFAULT_CONNECTION_TIMEOUT;
        private Duration totalConnectionTimeout = DEFAULT_TOTAL_CONNECTION_TIMEOUT;
        private Duration readTimeout = DEFAULT_READ_TIMEOUT;
        private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
        private Duration idleTimeout;
        private boolean verifyCert = true;
        private boolean verifyHostname = true;
        private String alternativeCn;
        private CaCertificates ca;
        private CertKey clientCertKey;
        private long groupKey;
        private Alpn alpn = Alpn.H1;
        private TcpKeepalive tcpKeepalive;
        private InetAddress bindTo;
        private int tcpRecvBuf;
        private int maxH2Streams;
        private Duration h2PingInterval;
        private int h2StreamWindow = 65_535;
        private int h2ConnectionWindow = 1 << 20;

        private Builder() {
        }

        private Builder(PeerOptions o) {
            connectionTimeout = o.connectionTimeout;
            totalConnectionTimeout = o.totalConnectionTimeout;
            readTimeout = o.readTimeout;
            writeTimeout = o.writeTimeout;
            idleTimeout = o.idleTimeout;
            verifyCert = o.verifyCert;
            verifyHostname = o.verifyHostname;
            alternativeCn = o.alternativeCn;
            ca = o.ca;
            clientCertKey = o.clientCertKey;
            groupKey = o.groupKey;
            alpn = o.alpn;
            tcpKeepalive = o.tcpKeepalive;
            bindTo = o.bindTo;
            tcpRecvBuf = o.tcpRecvBuf;
            maxH2Streams = o.maxH2Streams;
            h2PingInterval = o.h2PingInterval;
            h2StreamWindow = o.h2StreamWindow;
            h2ConnectionWindow = o.h2ConnectionWindow;
        }

        /** Sets the TCP connect timeout (also applied to the TLS handshake); null for none. Default {@link PeerOptions#DEFAULT_CONNECTION_TIMEOUT}. */
        public Builder connectionTimeout(Duration timeout) {
            connectionTimeout = positiveOrNull("connectionTimeout", timeout);
            return this;
        }

        /** Sets the timeout of TCP connect and TLS handshake together; null for none. Default {@link PeerOptions#DEFAULT_TOTAL_CONNECTION_TIMEOUT}. */
        public Builder totalConnectionTimeout(Duration timeout) {
            totalConnectionTimeout = positiveOrNull("totalConnectionTimeout", timeout);
            return this;
        }

        /** Sets the longest wait for the next upstream bytes; null for none. Default {@link PeerOptions#DEFAULT_READ_TIMEOUT}. */
        public Builder readTimeout(Duration timeout) {
            readTimeout = positiveOrNull("readTimeout", timeout);
            return this;
        }

        /** Sets the longest wait for one upstream write; null for none. Default {@link PeerOptions#DEFAULT_WRITE_TIMEOUT}. */
        public Builder writeTimeout(Duration timeout) {
            writeTimeout = positiveOrNull("writeTimeout", timeout);
            return this;
        }

        /** Sets the pool idle timeout; null for no limit, zero for "do not pool". */
        public Builder idleTimeout(Duration timeout) {
            if (timeout != null && timeout.isNegative()) {
                throw new IllegalArgumentException("idleTimeout: " + timeout + " (expected: >= 0 or null)");
            }
            idleTimeout = timeout;
            return this;
        }

        /** Sets whether to verify the certificate chain. */
        public Builder verifyCert(boolean verify) {
            verifyCert = verify;
            return this;
        }

        /** Sets whether to verify that the certificate matches the SNI or alternative CN. */
        public Builder verifyHostname(boolean verify) {
            verifyHostname = verify;
            return this;
        }

        /** Sets an extra name the certificate may match; null for none. */
        public Builder alternativeCn(String name) {
            if (name != null && name.isBlank()) {
                throw new IllegalArgumentException("alternativeCn: \"" + name + "\" (expected: a host name or null)");
            }
            alternativeCn = name;
            return this;
        }

        /** Sets this peer's trust roots; null to use the connector's. */
        public Builder ca(CaCertificates trustRoots) {
            ca = trustRoots;
            return this;
        }

        /** Sets the client certificate for mTLS; null for none. */
        public Builder clientCertKey(CertKey certKey) {
            clientCertKey = certKey;
            return this;
        }

        /** Sets the isolation key: peers with different keys never share connections. */
        public Builder groupKey(long key) {
            groupKey = key;
            return this;
        }

        /** Sets the protocols offered through ALPN. */
        public Builder alpn(Alpn value) {
            alpn = Objects.requireNonNull(value, "alpn");
            return this;
        }

        /** Sets TCP keepalive probing; null for the OS default. */
        public Builder tcpKeepalive(TcpKeepalive keepalive) {
            tcpKeepalive = keepalive;
            return this;
        }

        /** Sets the local address to connect from; null to let the OS pick. */
        public Builder bindTo(InetAddress address) {
            bindTo = address;
            return this;
        }

        /** Sets {@code SO_RCVBUF} in bytes; 0 for the OS default. */
        public Builder tcpRecvBuf(int bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("tcpRecvBuf: " + bytes + " (expected: >= 0)");
            }
            tcpRecvBuf = bytes;
            return this;
        }

        /** Sets how many requests one HTTP/2 connection carries at once; 0 for the origin's limit, capped at 100. */
        public Builder maxH2Streams(int streams) {
            if (streams < 0 || streams > 10_000) {
                throw new IllegalArgumentException("maxH2Streams: " + streams + " (expected: 0 to 10000)");
            }
            maxH2Streams = streams;
            return this;
        }

        /** Sets the PING interval of idle HTTP/2 connections (also the answer's deadline); null for none. */
        public Builder h2PingInterval(Duration interval) {
            h2PingInterval = positiveOrNull("h2PingInterval", interval);
            return this;
        }

        /** Sets the HTTP/2 stream flow-control window in bytes (65,535 to 16 MiB). */
        public Builder h2StreamWindow(int bytes) {
            h2StreamWindow = window("h2StreamWindow", bytes);
            return this;
        }

        /** Sets the HTTP/2 connection flow-control window in bytes (65,535 to 1 GiB). */
        public Builder h2ConnectionWindow(int bytes) {
            if (bytes < 65_535 || bytes > (1 << 30)) {
                throw new IllegalArgumentException("h2ConnectionWindow: " + bytes + " (expected: 65535 to 1073741824)");
            }
            h2ConnectionWindow = bytes;
            return this;
        }

        private static int window(String name, int bytes) {
            if (bytes < 65_535 || bytes > (16 << 20)) {
                throw new IllegalArgumentException(name + ": " + bytes + " (expected: 65535 to 16777216)");
            }
            return bytes;
        }

        /** Builds the options. */
        public PeerOptions build() {
            return new PeerOptions(this);
        }

        private static Duration positiveOrNull(String name, Duration value) {
            if (value != null && (value.isNegative() || value.isZero())) {
                throw new IllegalArgumentException(name + ": " + value + " (expected: > 0 or null)");
            }
            return value;
        }
    }
}
