package org.pingora4j.core.upstreams;

import java.nio.charset.StandardCharsets;

/**
 * Everything that makes two upstream connections not interchangeable: the exact identity behind a
 * peer's reuse hash and the pool's {@link org.pingora4j.pool.GroupKey}. Mirrors what pingora feeds
 * its {@code reuse_hash()} ({@code impl Hash for HttpPeer}), plus what pingora leaves out but must
 * not: the trust roots (a connection verified against one CA must never serve a peer that trusts
 * another), the ALPN offer and the local bind address. Timeouts and socket tuning are left out, as
 * in pingora: they do not change what a connection is.
 *
 * <p>The host is kept as given, lower-cased, not resolved: connections to a name are shared by
 * every peer of that name. The bind address is kept as its literal, so that whether a reverse
 * lookup ever named it cannot change the key.
 */
record ReuseKey(
        String host,
        int port,
        boolean tls,
        String sni,
        boolean verifyCert,
        boolean verifyHostname,
        String alternativeCn,
        String caFingerprint,
        String clientCertFingerprint,
        Alpn alpn,
        String bindTo,
        long groupKey) {

    static ReuseKey of(String host, int port, boolean tls, String sni, PeerOptions o) {
        return new ReuseKey(host, port, tls, sni, o.verifyCert(), o.verifyHostname(), o.alternativeCn(),
                o.ca() == null ? null : o.ca().fingerprint(),
                o.clientCertKey() == null ? null : o.clientCertKey().fingerprint(),
                o.alpn(), o.bindTo() == null ? null : o.bindTo().getHostAddress(), o.groupKey());
    }

    /**
     * Returns a 64-bit FNV-1a hash of the canonical form: stable across JVMs and runs, so that logs
     * and metrics of different processes agree on a group's hash.
     */
    long hash64() {
        long h = 0xcbf29ce484222325L;
        for (byte b : toString().getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
