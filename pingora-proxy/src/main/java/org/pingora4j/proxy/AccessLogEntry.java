package org.pingora4j.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.protocols.http.ResponseHeader;

/**
 * What the access log says of one request, taken on its event loop when it ends and formatted later
 * on the log's own thread. Holds only strings the request already had, and numbers.
 *
 * @param endMillis when the request ended (epoch milliseconds)
 * @param upstreamNanos from the start of the final try's connect to the end of its response, or -1
 *     without a try
 * @param error the error type's name, or null
 */
record AccessLogEntry(long endMillis, InetSocketAddress client, String method, String uri, String protocol, int status,
                      long bytesIn, long bytesOut, InetSocketAddress upstream, long upstreamNanos, long totalNanos,
                      boolean reused, int retries, String requestId, String userAgent, String referer, String error) {

    /** What the access log says of {@code session}'s request, which just ended; on its loop. */
    static AccessLogEntry of(Session session, HttpRequest request, InetSocketAddress client, long upstreamNanos,
                             long totalNanos, PingoraException error) {
        ResponseHeader response = session.responseHeader();
        Digest upstream = session.upstreamDigest();
        HttpHeaders headers = request.headers();
        return new AccessLogEntry(System.currentTimeMillis(), client, request.method().name(), request.uri(),
                session.downstreamProtocol(), response != null ? response.statusCode() : session.errorStatus(),
                session.requestBodyBytes(), session.responseBodyBytes(),
                upstream != null && upstream.socket() != null ? upstream.socket().peerAddress() : null,
                upstreamNanos, totalNanos, upstream != null && upstream.reused(), session.retries(), session.requestId(),
                headers.get(HttpHeaderNames.USER_AGENT), headers.get(HttpHeaderNames.REFERER),
                error == null ? null : error.type().name());
    }

    /** About what the entry holds on the heap, for the log's byte budget. */
    long weight() {
        return 160 + 2L * (len(method) + len(uri) + len(protocol) + len(requestId) + len(userAgent) + len(referer)
                + len(error));
    }

    private static int len(String s) {
        return s == null ? 0 : s.length();
    }
}
