package org.pingora4j.proxy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.util.Iterator;
import java.util.List;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * How a message is re-framed for the other side of the proxy: HTTP/1.1 towards the upstream,
 * hop-by-hop headers removed, forwarding headers added, and the body's delimitation restated from
 * the message's <em>final</em> head. Mirrors the header cloning of pingora's {@code proxy_1to1},
 * without forwarding {@code Connection} (pingora issue #706) or downgrading to the client's HTTP/1.0.
 *
 * <p>Why framing is decided at write time: filters may drop {@code Content-Length} (the usual way to
 * say "I rewrite this body") or add one. The framing is read from the head as the filters left it,
 * normalised to exactly one of {@code Content-Length} or {@code Transfer-Encoding: chunked} (or
 * neither, for a body that ends with the connection), and the body writer then holds the body to
 * it: a message is never sent with framing another parser could read differently.
 */
final class Framing {

    /** The body is chunked. */
    static final long CHUNKED = -1;
    /** The body ends when the connection closes (an HTTP/1.0 client and no length). */
    static final long UNTIL_CLOSE = -2;

    private static final AsciiString X_FORWARDED_FOR = AsciiString.cached("x-forwarded-for");

    private Framing() {
    }

    /** Returns a copy of the client's request for the upstream, before the upstream request filter. */
    static RequestHeader upstreamRequest(HttpRequest request, HttpServerOptions options, InetSocketAddress client,
                                         HttpPeer peer, boolean clientHttp2) {
        HttpRequest copy = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri());
        HttpHeaders headers = copy.headers();
        headers.set(request.headers());
        HopByHop.strip(headers);
        // The proxy answers Expect: 100-continue itself, when it is ready for the body.
        headers.remove(HttpHeaderNames.EXPECT);
        if (!headers.contains(HttpHeaderNames.HOST)) {
            // Only an HTTP/1.0 client may leave Host out; the HTTP/1.1 upstream needs one.
            headers.set(HttpHeaderNames.HOST, peer.sni().isEmpty() ? peer.address() : peer.sni());
        }
        if (options.dropIncomingXForwardedFor()) {
            headers.remove(X_FORWARDED_FOR);
        }
        if (options.xForwardedFor() && client != null) {
            String address = client.getAddress().getHostAddress();
            List<String> before = headers.getAll(X_FORWARDED_FOR);
            // One comma-joined line: some origins read only the first or the last X-Forwarded-For line.
            headers.set(X_FORWARDED_FOR,
                    before.isEmpty() ? address : String.join(", ", before) + ", " + address);
        }
        if (options.via() != null) {
            // The client's protocol, not the version of the HTTP/1 object an HTTP/2 stream was
            // translated into (RFC 9110 §7.6.3: "2" for HTTP/2).
            headers.add(HttpHeaderNames.VIA, clientHttp2 ? "2 " + options.via() : via(request.protocolVersion(), options.via()));
        }
        return new RequestHeader(copy);
    }

    /**
     * Settles the framing of the upstream request from its final head, in place, and returns the
     * body's length, or {@link #CHUNKED}. A request without a body has length 0.
     *
     * @param hasBody whether the client's request has a body to forward
     * @throws PingoraException if a filter left a {@code Content-Length} that is not one number
     */
    static long upstreamRequestBody(HttpHeaders headers, boolean hasBody) {
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING) || (hasBody && !headers.contains(HttpHeaderNames.CONTENT_LENGTH))) {
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            return CHUNKED;
        }
        return declaredLength(headers, "the upstream request");
    }

    /**
     * Settles the framing of the response to the client from its final head, in place, and returns
     * the body's length, {@link #CHUNKED} or {@link #UNTIL_CLOSE}; 0 for a response that has no body
     * (to HEAD, 1xx, 204, 304), whatever its head says of the body it would have had.
     */
    static long downstreamResponseBody(HttpResponse response, boolean clientIsHttp10, boolean head) {
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        HttpHeaders headers = response.headers();
        int code = response.status().code();
        if (code == 204 || (code >= 100 && code < 200)) {
            // RFC 9110 §8.6: no Content-Length in a 1xx or 204; a body they cannot have needs no framing.
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
            return 0;
        }
        if (head || code == 304) {
            // The head describes the body a GET would get; it is forwarded as is, never sent.
            return 0;
        }
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING) || !headers.contains(HttpHeaderNames.CONTENT_LENGTH)) {
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            if (clientIsHttp10) {
                headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
                return UNTIL_CLOSE;
            }
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            return CHUNKED;
        }
        return declaredLength(headers, "the response");
    }

    /**
     * Returns how many of the {@code declared} bytes are left after {@code written} more, or throws
     * if the body overran its {@code Content-Length}.
     */
    static long afterWrite(long remaining, int written, String message) {
        if (remaining < 0) {
            return remaining;
        }
        if (written > remaining) {
            throw lengthMismatch(message, "longer");
        }
        return remaining - written;
    }

    /** Throws if a body with a {@code Content-Length} ended short of it. */
    static void atEnd(long remaining, String message) {
        if (remaining > 0) {
            throw lengthMismatch(message, "shorter");
        }
    }

    /** Returns the value of a {@code Via} entry for a message received over {@code version}. */
    static String via(HttpVersion version, String pseudonym) {
        return version.majorVersion() + "." + version.minorVersion() + " " + pseudonym;
    }

    private static long declaredLength(HttpHeaders headers, String message) {
        Iterator<String> values = headers.valueStringIterator(HttpHeaderNames.CONTENT_LENGTH);
        if (!values.hasNext()) {
            return 0;
        }
        String value = values.next();
        long length = values.hasNext() ? -1 : RequestHeadRules.decimalLength(value);
        if (length < 0) {
            throw PingoraException.internal(ErrorType.INVALID_HTTP_HEADER, "a filter left " + message
                    + " with Content-Length " + headers.getAll(HttpHeaderNames.CONTENT_LENGTH) + ", which is not one number", null);
        }
        return length;
    }

    private static PingoraException lengthMismatch(String message, String how) {
        return PingoraException.internal(ErrorType.INVALID_HTTP_HEADER, "the body of " + message + " came out " + how
                + " than its Content-Length: a body filter changed its length; remove Content-Length in the header filter", null);
    }
}
