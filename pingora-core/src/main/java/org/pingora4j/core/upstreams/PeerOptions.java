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

    private static final PeerOptions DEFAULTS = new Builder().build();

    /**
     * The TLS handshake timeout of a peer without a {@linkplain #connectionTimeout() connection
     * timeout}: 10 seconds (pingora applies none, and waits forever).
     */
    public static final Duration DEFAULT_TLS_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

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
    }

    /** Returns pingora's {@code PeerOptions::new()}: no timeouts, verify everything, HTTP/1.1. */
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
                && Objects.equals(tcpKeepalive, other.tcpKeepalive) && Objects.equals(bindTo, other.bindTo);
    }

    @Override
    public int hashCode() {
        return Objects.hash(connectionTimeout, totalConnectionTimeout, readTimeout, writeTimeout, idleTimeout,
                verifyCert, verifyHostname, alternativeCn, ca, clientCertKey, groupKey, alpn, tcpKeepalive,
                bindTo, tcpRecvBuf);
    }

    @Override
    public String toString() {
        return "PeerOptions(connectionTimeout=" + connectionTimeout + ", totalConnectionTimeout="
                + totalConnectionTimeout + ", readTimeout=" + readTimeout + ", writeTimeout=" + writeTimeout
                + ", idleTimeout=" + idleTimeout + ", verifyCert=" + verifyCert + ", verifyHostname="
                + verifyHostname + ", alternativeCn=" + alternativeCn + ", ca=" + ca + ", clientCertKey="
                + clientCertKey + ", groupKey=" + groupKey + ", alpn=" + alpn + ", tcpKeepalive=" + tcpKeepalive
                + ", bindTo=" + bindTo + ", tcpRecvBuf=" + tcpRecvBuf + ')';
    }

    /** Builds {@link PeerOptions}; every setter validates its argument. */
    public static final class Builder {
        private Duration connectionTimeout;
        private Duration totalConnectionTimeout;
        private Duration readTimeout;
        private Duration writeTimeout;
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
        }

        /** Sets the TCP connect timeout (also applied to the TLS handshake); null for none. */
        public Builder connectionTimeout(Duration timeout) {
            connectionTimeout = positiveOrNull("connectionTimeout", timeout);
            return this;
        }

        /** Sets the timeout of TCP connect and TLS handshake together; null for none. */
        public Builder totalConnectionTimeout(Duration timeout) {
            totalConnectionTimeout = positiveOrNull("totalConnectionTimeout", timeout);
            return this;
        }

        /** Sets the read timeout; null for none. */
        public Builder readTimeout(Duration timeout) {
            readTimeout = positiveOrNull("readTimeout", timeout);
            return this;
        }

        /** Sets the write timeout; null for none. */
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
