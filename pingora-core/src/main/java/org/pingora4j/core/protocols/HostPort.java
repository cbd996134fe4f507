package org.pingora4j.core.protocols;

import java.util.Locale;

/**
 * A host (name or IP literal) and a port, parsed from {@code host:port} or {@code [ipv6]:port}:
 * how pingora's APIs take addresses ({@code HttpPeer::new("1.1.1.1:443", ..)},
 * {@code add_tcp("0.0.0.0:8080")}).
 *
 * @param host the host name (lower-cased) or IP literal, without brackets
 * @param port 1..65535, or 0 where an ephemeral port is allowed
 */
public record HostPort(String host, int port) {

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if the host is empty or the port out of 0..65535
     */
    public HostPort {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host: \"" + host + "\" (expected: a host name or IP)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        host = host.toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code host:port} or {@code [ipv6]:port}.
     *
     * @param minPort the smallest port accepted: 1 for peers, 0 for listeners
     * @throws IllegalArgumentException naming {@code address} and the expected form
     */
    public static HostPort parse(String address, int minPort) {
        if (address == null) {
            throw new NullPointerException("address");
        }
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw bad(address, minPort);
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.indexOf(':') >= 0) {
            throw bad(address, minPort);
        }
        String port = address.substring(colon + 1);
        if (host.isEmpty() || port.length() > 5 || !allDigits(port)) {
            throw bad(address, minPort);
        }
        int value = Integer.parseInt(port);
        if (value < minPort || value > 65535) {
            throw bad(address, minPort);
        }
        return new HostPort(host, value);
    }

    /** Returns {@code host:port}, bracketing IPv6 literals. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ':' + port;
    }

    private static IllegalArgumentException bad(String address, int minPort) {
        return new IllegalArgumentException("address: \"" + address + "\" (expected: host:port or [ipv6]:port, port "
                + minPort + "..65535)");
    }

    /** A loop, not a stream: a proxy parses a peer's address on every request. */
    private static boolean allDigits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }
}
