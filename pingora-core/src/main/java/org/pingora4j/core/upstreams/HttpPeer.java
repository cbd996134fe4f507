package org.pingora4j.core.upstreams;

import java.util.Locale;
import java.util.function.UnaryOperator;
import org.pingora4j.core.protocols.HostPort;
import org.pingora4j.pool.GroupKey;

/**
 * An HTTP upstream: where to connect, whether over TLS and with which SNI, and its
 * {@link PeerOptions}. Mirrors pingora's {@code HttpPeer} ({@code upstreams/peer.rs}).
 *
 * <p>Immutable and thread safe, so one peer may serve every request to the same upstream. Where the
 * Rust code mutates {@code peer.get_mut_peer_options()}, Java code derives a peer:
 * <pre>{@code
 * HttpPeer peer = new HttpPeer("api.example.com:443", true, "api.example.com")
 *         .withOptions(o -> o.idleTimeout(Duration.ofSeconds(60))
 *                            .connectionTimeout(Duration.ofSeconds(5)));
 * }</pre>
 *
 * <p>Unlike pingora, the constructor does not resolve the host name (pingora resolves it on the
 * calling thread and panics on failure): the connector resolves it off the event loop and reports
 * a failure as a {@code DNS_FAILED} error.
 */
public final class HttpPeer {

    private final String host;
    private final int port;
    private final boolean tls;
    private final String sni;
    private final PeerOptions options;
    private final ReuseKey reuseKey;
    private final GroupKey groupKey;

    /**
     * Creates a peer with default options. Mirrors pingora's {@code HttpPeer::new(address, tls, sni)}.
     *
     * @param address {@code host:port}, {@code ipv4:port} or {@code [ipv6]:port}
     * @param tls whether to speak TLS to the peer
     * @param sni the TLS server name to send and verify; empty for none (then the certificate is
     *     verified against the alternative CN or the address's host)
     * @throws IllegalArgumentException if {@code address} is not a host and a port from 1 to 65535
     */
    public HttpPeer(String address, boolean tls, String sni) {
        this(HostPort.parse(address, 1), tls, sni);
    }

    /**
     * A peer spoken to in plain text (no TLS), with default options: the same as
     * {@code new HttpPeer(address, false, "")}.
     * <pre>{@code
     * HttpPeer origin = HttpPeer.plain("10.0.0.7:8080");
     * }</pre>
     *
     * @param address {@code host:port}, {@code ipv4:port} or {@code [ipv6]:port}
     * @throws IllegalArgumentException if {@code address} is not a host and a port from 1 to 65535
     */
    public static HttpPeer plain(String address) {
        return new HttpPeer(address, false, "");
    }

    /**
     * A peer spoken to over TLS, sending and verifying {@code sni}, with default options
     * (certificate and host name verified): the same as {@code new HttpPeer(address, true, sni)}.
     * <pre>{@code
     * HttpPeer origin = HttpPeer.tls("1.1.1.1:443", "one.one.one.one");
     * }</pre>
     *
     * @param sni the TLS server name, not empty (use the constructor for a peer verified against
     *     an alternative CN instead)
     * @throws IllegalArgumentException if {@code address} is not a host and a port from 1 to 65535,
     *     or {@code sni} is empty
     */
    public static HttpPeer tls(String address, String sni) {
        if (sni == null || sni.isEmpty()) {
            throw new IllegalArgumentException("sni: \"" + sni + "\" (expected: the origin's host name, as its certificate names it)");
        }
        return new HttpPeer(address, true, sni);
    }

    private HttpPeer(HostPort address, boolean tls, String sni) {
        this(address.host(), address.port(), tls, sni, PeerOptions.defaults());
    }

    /**
     * Creates a peer.
     *
     * @throws IllegalArgumentException if {@code host} is empty or {@code port} not 1..65535
     */
    public HttpPeer(String host, int port, boolean tls, String sni, PeerOptions options) {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host: \"" + host + "\" (expected: a host name or IP)");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1..65535)");
        }
        if (sni == null) {
            throw new NullPointerException("sni");
        }
        if (options == null) {
            throw new NullPointerException("options");
        }
        this.host = host.toLowerCase(Locale.ROOT);
        this.port = port;
        this.tls = tls;
        this.sni = sni;
        this.options = options;
        this.reuseKey = ReuseKey.of(this.host, port, tls, sni, options);
        this.groupKey = GroupKey.of(reuseKey.hash64(), reuseKey);
    }

    /** This peer with other options; keeps the pool key when the options that make it are equal. */
    private HttpPeer(HttpPeer base, PeerOptions options) {
        if (options == null) {
            throw new NullPointerException("options");
        }
        this.host = base.host;
        this.port = base.port;
        this.tls = base.tls;
        this.sni = base.sni;
        this.options = options;
        ReuseKey key = ReuseKey.of(host, port, tls, sni, options);
        // Timeouts and socket tuning are not in the key: changing only them (the usual case, once
        // per request) needs no new hash.
        this.reuseKey = key.equals(base.reuseKey) ? base.reuseKey : key;
        this.groupKey = this.reuseKey == base.reuseKey ? base.groupKey : GroupKey.of(key.hash64(), key);
    }

    /**
     * Returns this peer with options changed by {@code change}, the Java form of pingora's
     * {@code get_mut_peer_options()}.
     */
    public HttpPeer withOptions(UnaryOperator<PeerOptions.Builder> change) {
        return new HttpPeer(this, change.apply(options.toBuilder()).build());
    }

    /** Returns this peer with {@code options}. */
    public HttpPeer withOptions(PeerOptions newOptions) {
        return new HttpPeer(this, newOptions);
    }

    /** Returns the host name or IP literal, lower-cased. */
    public String host() {
        return host;
    }

    /** Returns the port. */
    public int port() {
        return port;
    }

    /** Returns {@code host:port} ({@code [ipv6]:port} for IPv6 literals). */
    public String address() {
        return new HostPort(host, port).toString();
    }

    /** Returns whether the peer speaks TLS. */
    public boolean tls() {
        return tls;
    }

    /** Returns the SNI, possibly empty. */
    public String sni() {
        return sni;
    }

    /** Returns the peer's options. */
    public PeerOptions options() {
        return options;
    }

    /** Returns the pool idle timeout of {@link #options()}, or null. */
    public java.time.Duration idleTimeout() {
        return options.idleTimeout();
    }

    /**
     * Returns the 64-bit reuse hash. Mirrors pingora's {@code Peer::reuse_hash()}; see
     * {@link #reuseKey()} for what it covers.
     */
    public long reuseHash() {
        return groupKey.hash();
    }

    /**
     * Returns the pool key of this peer's connections: its reuse hash plus the exact identity it was
     * computed from (address, TLS, SNI, verify flags, alternative CN, CA, client certificate, ALPN,
     * bind address, group key, the HTTP/2 stream cap and windows), so that a hash collision can
     * never mix connections.
     */
    public GroupKey reuseKey() {
        return groupKey;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HttpPeer other && reuseKey.equals(other.reuseKey) && options.equals(other.options);
    }

    @Override
    public int hashCode() {
        return reuseKey.hashCode();
    }

    /** Formats like pingora's {@code Display for HttpPeer}. */
    @Override
    public String toString() {
        return "addr: " + address() + ", scheme: " + (tls ? "HTTPS" : "HTTP") + (sni.isEmpty() ? "" : ", sni: " + sni)
                + (options.groupKey() == 0 ? "" : ", group_key: " + options.groupKey());
    }
}
