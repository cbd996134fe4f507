package org.pingora4j.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;

/**
 * Removes hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, so a proxy must not
 * forward them. Pingora forwards a client's {@code Connection: close} to the upstream, which then
 * turns off the reuse of that upstream connection (pingora issue #706); here it stays with the
 * client. Framing headers are rebuilt by the proxy for each side.
 *
 * <p>A {@code Connection} option never removes {@code Content-Length}, {@code Transfer-Encoding}
 * or {@code Host}: they are meant for every recipient (RFC 9110 §7.6.1 forbids naming them), and
 * honouring {@code Connection: Content-Length} would forward a body with no framing, which the
 * next parser reads as a second request (request smuggling). Such tokens are ignored, as nginx does.
 */
final class HopByHop {

    // Netty deprecates its Keep-Alive and Proxy-Connection constants because HTTP/2 forbids the
    // headers; a proxy must still remove them.
    private static final AsciiString KEEP_ALIVE = AsciiString.cached("keep-alive");
    private static final AsciiString PROXY_CONNECTION = AsciiString.cached("proxy-connection");

    private static final List<CharSequence> ALWAYS = List.of(
            HttpHeaderNames.CONNECTION, KEEP_ALIVE, PROXY_CONNECTION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.UPGRADE, HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION);

    /** End-to-end headers that a Connection option must not remove. */
    private static final List<AsciiString> NEVER_BY_OPTION = List.of(
            HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.HOST);

    private HopByHop() {
    }

    /** Removes the hop-by-hop headers of {@code headers}, including those its Connection header names. */
    static void strip(HttpHeaders headers) {
        // Most messages carry no Connection header: nothing to parse, nothing to allocate.
        List<String> named = headers.contains(HttpHeaderNames.CONNECTION) ? connectionTokens(headers) : List.of();
        for (CharSequence name : ALWAYS) {
            headers.remove(name);
        }
        for (String name : named) {
            headers.remove(name);
        }
    }

    private static List<String> connectionTokens(HttpHeaders headers) {
        List<String> named = new ArrayList<>();
        for (String value : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : value.split(",")) {
                String name = token.trim();
                if (!name.isEmpty() && !isProtected(name)) {
                    named.add(name);
                }
            }
        }
        return named;
    }

    private static boolean isProtected(String name) {
        for (AsciiString p : NEVER_BY_OPTION) {
            if (p.contentEqualsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }
}
