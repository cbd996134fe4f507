package org.pingora4j.core.connectors.http.v1;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * What a final response head says about reusing its connection, judged once, when the head
 * arrives, from the head as the upstream sent it. Mirrors the header half of pingora's
 * {@code respect_keepalive}: an upgrade, {@code Connection: close}, HTTP/1.0 without keep-alive, and
 * a body that only the connection's close can end.
 */
final class ReuseVeto {

    private ReuseVeto() {
    }

    /** Returns why {@code head} forbids reusing the connection, or null if it does not. */
    static String of(HttpResponse head, boolean answersHead) {
        if (head.status().code() == 101) {
            return "connection upgraded";
        }
        if (!HttpUtil.isKeepAlive(head)) {
            return head.protocolVersion().equals(HttpVersion.HTTP_1_0)
                    ? "HTTP/1.0 response without keep-alive" : "response said Connection: close";
        }
        if (head.protocolVersion().equals(HttpVersion.HTTP_1_0)
                && head.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return "HTTP/1.0 response with Transfer-Encoding";
        }
        if (isCloseDelimited(head, answersHead)) {
            return "close-delimited response body";
        }
        return null;
    }

    private static boolean isCloseDelimited(HttpResponse head, boolean answersHead) {
        int code = head.status().code();
        if (answersHead || code == 204 || code == 304 || (code >= 100 && code < 200)) {
            return false;
        }
        return !HttpUtil.isContentLengthSet(head) && !HttpUtil.isTransferEncodingChunked(head);
    }
}
