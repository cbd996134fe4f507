package org.pingora4j.proxy;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import org.pingora4j.core.protocols.http.RequestHeader;

/**
 * How a message is re-framed for the other side of the proxy: HTTP/1.1 towards the upstream,
 * hop-by-hop headers removed, the body's length or chunking restated, forwarding headers added.
 * Mirrors the header cloning of pingora's {@code proxy_1to1}, without forwarding
 * {@code Connection} (pingora issue #706) or downgrading to the client's HTTP/1.0.
 */
final class Framing {

    private Framing() {
    }

    /** Returns a copy of the client's request for the upstream. */
    static RequestHeader upstreamRequest(HttpRequest request, HttpServerOptions options, InetSocketAddress client) {
        HttpRequest copy = new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri());
        HttpHeaders headers = copy.headers();
        headers.set(request.headers());
        HopByHop.strip(headers);
        // The proxy answers Expect: 100-continue itself, when it is ready for the body.
        headers.remove(HttpHeaderNames.EXPECT);
        if (HttpUtil.isTransferEncodingChunked(request)) {
            headers.remove(HttpHeaderNames.CONTENT_LENGTH);
            headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
        }
        if (options.xForwardedFor()) {
            headers.add("X-Forwarded-For", client.getAddress().getHostAddress());
        }
        if (options.via() != null) {
            headers.add(HttpHeaderNames.VIA, via(request.protocolVersion(), options.via()));
        }
        return new RequestHeader(copy);
    }

    /**
     * Re-frames the upstream's response head for the client, in place: HTTP/1.1, a body without a
     * length chunked for an HTTP/1.1 client, {@code Via} added if configured.
     *
     * @return false if the client connection must be closed after the response: an HTTP/1.0 client
     *     learns where a body of unknown length ends only by the close
     */
    static boolean downstreamResponse(HttpResponse response, HttpRequest request, boolean head, boolean upstreamLength,
                                      HttpServerOptions options) {
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        HttpHeaders headers = response.headers();
        int code = response.status().code();
        boolean bodyless = head || code == 204 || code == 304;
        boolean keepAlive = true;
        if (!bodyless && !upstreamLength) {
            if (request.protocolVersion().equals(HttpVersion.HTTP_1_1)) {
                headers.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            } else {
                keepAlive = false;
            }
        }
        if (options.via() != null) {
            headers.add(HttpHeaderNames.VIA, via(HttpVersion.HTTP_1_1, options.via()));
        }
        return keepAlive;
    }

    /** Returns the value of a {@code Via} entry for a message received over {@code version}. */
    static String via(HttpVersion version, String pseudonym) {
        return version.majorVersion() + "." + version.minorVersion() + " " + pseudonym;
    }
}
