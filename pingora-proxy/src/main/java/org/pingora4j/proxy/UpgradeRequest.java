package org.pingora4j.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;

/**
 * Which requests ask to switch protocols, as the proxy reads them (RFC 9110 §7.8): an HTTP/1.1
 * request with one {@code Upgrade} field and the {@code upgrade} option in {@code Connection}, and
 * no body. Pingora's {@code is_upgrade_req}, which looks at the {@code Upgrade} field alone; the
 * other conditions are the RFC's, each a place where a half-done switch would leave the two sides
 * of the proxy reading the byte stream differently:
 * <ul>
 * <li>without the {@code Connection} option the field is not an upgrade request (RFC 9110 §7.8);
 * <li>a request body would have to end, by its own framing, before the new protocol's first byte,
 *     and a WebSocket handshake has none: such a request goes on as an ordinary one;
 * <li>{@code h2c} is never switched to: RFC 9113 §3.1 retired the upgrade to HTTP/2, and the proxy
 *     speaks h2c with prior knowledge only.
 * </ul>
 * A request that does not qualify is proxied without its {@code Upgrade} field (a hop-by-hop
 * field, removed like the others), and the origin answers it as an ordinary request.
 */
final class UpgradeRequest {

    private static final String H2C = "h2c";

    private UpgradeRequest() {
    }

    /** Returns the protocols {@code request} asks to switch to (its {@code Upgrade} value), or null. */
    static String protocols(HttpRequest request) {
        HttpHeaders headers = request.headers();
        if (!request.protocolVersion().equals(HttpVersion.HTTP_1_1) || !headers.contains(HttpHeaderNames.UPGRADE)) {
            return null; // the common case, decided without allocating
        }
        List<String> upgrade = headers.getAll(HttpHeaderNames.UPGRADE);
        if (upgrade.size() != 1 || upgrade.get(0).isBlank()
                || !headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                || headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return null;
        }
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length != null && !length.equals("0")) {
            return null;
        }
        String protocols = upgrade.get(0).trim();
        for (String token : protocols.split(",")) {
            if (token.trim().equalsIgnoreCase(H2C)) {
                return null;
            }
        }
        return protocols;
    }
}
