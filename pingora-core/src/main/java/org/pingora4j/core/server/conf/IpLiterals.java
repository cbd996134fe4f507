package org.pingora4j.core.server.conf;

import io.netty.util.NetUtil;

/**
 * Which strings {@code client_bind_to_ipv4/6} accept: what Rust's {@code IpAddr} parser, which
 * pingora applies to them, accepts. Netty is more lenient about IPv6 (brackets, zone ids), so those
 * are refused here; pingora would panic on them later, we refuse them at load time.
 */
final class IpLiterals {

    private IpLiterals() {
    }

    static boolean matches(ServerConfKey.Kind kind, String value) {
        if (kind == ServerConfKey.Kind.IPV4_LIST) {
            return NetUtil.isValidIpV4Address(value);
        }
        return value.indexOf('[') < 0 && value.indexOf('%') < 0 && NetUtil.isValidIpV6Address(value);
    }

    /** Returns "IPv4" or "IPv6". */
    static String family(ServerConfKey.Kind kind) {
        return kind == ServerConfKey.Kind.IPV4_LIST ? "IPv4" : "IPv6";
    }

    static String describe(ServerConfKey.Kind kind) {
        return "an " + family(kind) + " literal";
    }
}
