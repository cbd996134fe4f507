package org.pingora4j.core.upstreams;

/**
 * Everything that makes two upstream connections not interchangeable: the exact identity behind a
 * peer's reuse hash and the pool's {@link org.pingora4j.pool.GroupKey}. Mirrors what pingora feeds
 * its {@code reuse_hash()} ({@code impl Hash for HttpPeer}), plus what pingora leaves out but must
 * not: the trust roots (a connection verified against one CA must never serve a peer that trusts
 * another), the ALPN offer, the local bind address, and the HTTP/2 settings a connection was
 * opened with (its stream cap and windows: peers with different limits never share a connection). Timeouts and socket tuning are left out, as
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
        long groupKey,
        int maxH2Streams,
        int h2StreamWindow,
        int h2ConnectionWindow) {

    static ReuseKey of(String host, int port, boolean tls, String sni, PeerOptions o) {
        return new ReuseKey(host, port, tls, sni, o.verifyCert(), o.verifyHostname(), o.alternativeCn(),
                o.ca() == null ? null : o.ca().fingerprint(),
                o.clientCertKey() == null ? null : o.clientCertKey().fingerprint(),
                o.alpn(), o.bindTo() == null ? null : o.bindTo().getHostAddress(), o.groupKey(),
                o.maxH2Streams(), o.h2StreamWindow(), o.h2ConnectionWindow());
    }

    /**
     * Returns a 64-bit FNV-1a hash of the fields, each length-prefixed so that no two keys feed it
     * the same sequence: stable across JVMs and runs, so that logs and metrics of different processes
     * agree on a group's hash. Computed from the fields directly, with no string built: a proxy
     * makes a peer, and so a key, per request.
     */
    long hash64() {
        long h = 0xcbf29ce484222325L;
        h = mix(h, host);
        h = mix(h, port);
        h = mix(h, tls ? 1 : 0);
        h = mix(h, sni);
        h = mix(h, verifyCert ? 1 : 0);
        h = mix(h, verifyHostname ? 1 : 0);
        h = mix(h, alternativeCn);
        h = mix(h, caFingerprint);
        h = mix(h, clientCertFingerprint);
        h = mix(h, alpn.name());
        h = mix(h, bindTo);
        h = mix(h, groupKey);
        h = mix(h, maxH2Streams);
        h = mix(h, h2StreamWindow);
        h = mix(h, h2ConnectionWindow);
        return h;
    }

    private static long mix(long h, String value) {
        if (value == null) {
            return mix(h, -1L);
        }
        h = mix(h, value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            h = (h ^ (c & 0xff)) * PRIME;
            h = (h ^ (c >>> 8)) * PRIME;
        }
        return h;
    }

    private static long mix(long h, long value) {
        for (int shift = 0; shift < 64; shift += 8) {
            h = (h ^ ((value >>> shift) & 0xff)) * PRIME;
        }
        return h;
    }

    private static final long PRIME = 0x100000001b3L;
}
