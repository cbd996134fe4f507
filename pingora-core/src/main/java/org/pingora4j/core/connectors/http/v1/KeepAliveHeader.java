package org.pingora4j.core.connectors.http.v1;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.Locale;

/**
 * An upstream's {@code Keep-Alive: timeout=N, max=M} header (RFC 9112 appendix C.2.2; Apache,
 * Node.js and others send it). Pingora parses it and ignores it ({@code get_keepalive_values});
 * pingora4j expires the pooled connection a safety margin before the server would, and stops
 * reusing it when the server's request budget is spent.
 *
 * @param timeoutSeconds the server's idle timeout in seconds, or -1 if not given
 * @param max the requests the server still accepts on this connection, or -1 if not given
 */
record KeepAliveHeader(long timeoutSeconds, long max) {

    static final KeepAliveHeader ABSENT = new KeepAliveHeader(-1, -1);

    /**
     * How much earlier than the server we give up on an idle connection. A request sent in the last
     * moment before the server's timer fires races the server's close; one second covers the RTT
     * and timer slack of any sane deployment, as other ecosystems settled on (dotnet/runtime#73020).
     */
    static final Duration SAFETY_MARGIN = Duration.ofSeconds(1);

    static KeepAliveHeader parse(HttpHeaders headers) {
        String value = headers.get("Keep-Alive");
        if (value == null) {
            return ABSENT;
        }
        long timeout = -1;
        long max = -1;
        for (String part : value.split(",")) {
            int eq = part.indexOf('=');
            if (eq < 0) {
                continue;
            }
            String name = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
            long number = parseNonNegative(part.substring(eq + 1).trim());
            if (number < 0) {
                continue;
            }
            if (name.equals("timeout")) {
                timeout = number;
            } else if (name.equals("max")) {
                max = number;
            }
        }
        return new KeepAliveHeader(timeout, max);
    }

    /**
     * Returns the pool idle timeout for a connection whose peer wants {@code peerIdleTimeout} (null
     * for none): the shorter of that and the server's timeout less the safety margin; zero when the
     * server's timeout leaves no safe window.
     */
    Duration idleTimeout(Duration peerIdleTimeout) {
        if (timeoutSeconds < 0) {
            return peerIdleTimeout;
        }
        Duration server = Duration.ofSeconds(timeoutSeconds).minus(SAFETY_MARGIN);
        if (server.isNegative()) {
            server = Duration.ZERO;
        }
        return peerIdleTimeout == null || server.compareTo(peerIdleTimeout) < 0 ? server : peerIdleTimeout;
    }

    private static long parseNonNegative(String text) {
        if (text.startsWith("\"") && text.endsWith("\"") && text.length() >= 2) {
            text = text.substring(1, text.length() - 1);
        }
        if (text.isEmpty() || text.length() > 12) {
            return -1;
        }
        for (int i = 0; i < text.length(); i++) {
            if (!Character.isDigit(text.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(text);
    }
}
