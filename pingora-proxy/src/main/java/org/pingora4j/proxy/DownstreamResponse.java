package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.CompletableFuture;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.http.ResponseHeader;

/**
 * The response to one client request, as it goes out: its head framed from its final headers, its
 * body held to that framing, and whether the client connection survives it. Either the proxy's own
 * response ({@link #writeOwn}) or the upstream's, never both. Confined to the request's event loop.
 */
final class DownstreamResponse {

    private final Downstream downstream;
    private final HttpRequest request;
    private final boolean head;
    private boolean keepAlive;
    private boolean started;
    private boolean done;
    private long bodyLeft;
    /** Body bytes handed to the client connection, for the access log. */
    private long bodyBytes;
    private boolean noBody;
    private boolean endIsFormality;
    private CompletableFuture<Void> own;

    DownstreamResponse(Downstream downstream, HttpRequest request, boolean keepAlive) {
        this.downstream = downstream;
        this.request = request;
        this.head = HttpMethod.HEAD.equals(request.method());
        this.keepAlive = keepAlive;
    }

    /** Returns the response body bytes handed to the client connection so far. */
    long bodyBytes() {
        return bodyBytes;
    }

    /** Returns whether a response head was written. */
    boolean started() {
        return started;
    }

    /** Returns whether the whole response reached the client's socket. */
    boolean done() {
        return done;
    }

    /** Returns whether the client connection may serve another request after this response. */
    boolean keepAlive() {
        return keepAlive;
    }

    /** The client connection must close after this response (and says so, if the head is not out yet). */
    void closeAfter() {
        keepAlive = false;
    }

    /** Returns the proxy's own response as it is being written, or null. */
    CompletableFuture<Void> own() {
        return own;
    }

    /**
     * Writes a whole response of the proxy's own (from a filter, or an error): {@code Content-Length}
     * is set from {@code body}, except on a 1xx, 204 or 304, which have neither a body nor a length.
     * Takes ownership of {@code body}.
     */
    CompletableFuture<Void> writeOwn(ResponseHeader header, ByteBuf body, boolean stopping) {
        ByteBuf content = body == null ? Unpooled.EMPTY_BUFFER : body;
        if (started) {
            content.release();
            return CompletableFuture.failedFuture(new IllegalStateException("a response was already written"));
        }
        HttpResponse response = header.unwrap();
        HopByHop.strip(response.headers());
        int code = response.status().code();
        if (code == 204 || code == 304 || code < 200) {
            content.release();
            content = Unpooled.EMPTY_BUFFER;
        } else if (!head) {
            HttpUtil.setContentLength(response, content.readableBytes());
        }
        long length;
        try {
            length = Framing.downstreamResponseBody(response, isHttp10(), head);
        } catch (PingoraException e) {
            content.release();
            return CompletableFuture.failedFuture(e);
        }
        if (length == 0 && content.isReadable()) {
            content.release();
            content = Unpooled.EMPTY_BUFFER;
        }
        writeHead(response, length, stopping);
        bodyBytes += content.readableBytes();
        CompletableFuture<Void> written = new CompletableFuture<>();
        downstream.write(new DefaultLastHttpContent(content)).addListener(f -> {
            if (f.isSuccess()) {
                done = true;
                written.complete(null);
            } else {
                written.completeExceptionally(clientWriteFailed(f.cause()));
            }
        });
        own = written;
        return written;
    }

    /**
     * Frames and writes the head of the upstream's response, after the filters ran, adding a
     * {@code Via} entry for {@code via} unless it is null, naming the protocol the response came over. The head is not flushed: the caller
     * flushes it with the first piece of the body, or on its own if that piece is not at hand.
     *
     * @throws PingoraException if a filter left a head that cannot be framed
     */
    void writeUpstreamHead(HttpResponse response, String via, String upstreamProtocol, boolean stopping) {
        if (via != null) {
            response.headers().add(HttpHeaderNames.VIA, "HTTP/2".equals(upstreamProtocol)
                    ? "2 " + via : Framing.via(HttpVersion.HTTP_1_1, via));
        }
        long length = Framing.downstreamResponseBody(response, isHttp10(), head);
        writeHead(response, length, stopping);
    }

    /**
     * Writes the origin's {@code 101} head, after the filters ran, and flushes it: the hop-by-hop
     * fields went with the others, and the two a switch needs come back (RFC 9110 §7.8): {@code
     * Upgrade}, naming the protocol the origin switched to, and {@code Connection: upgrade}. No body
     * and no framing follow; the connection never carries HTTP again.
     */
    ChannelFuture writeSwitchingProtocols(HttpResponse response, String protocol, String via) {
        HttpHeaders headers = response.headers();
        HopByHop.strip(headers);
        headers.remove(HttpHeaderNames.CONTENT_LENGTH);
        if (via != null) {
            headers.add(HttpHeaderNames.VIA, Framing.via(HttpVersion.HTTP_1_1, via));
        }
        headers.set(HttpHeaderNames.UPGRADE, protocol);
        headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        response.setProtocolVersion(HttpVersion.HTTP_1_1);
        keepAlive = false;
        noBody = true;
        bodyLeft = 0;
        started = true;
        done = true;
        return downstream.write(response);
    }

    /**
     * Writes a piece of the upstream's body (taking ownership of {@code data}); the last piece ends
     * the response, is flushed, and returns its write's future; other pieces return null.
     *
     * @throws PingoraException if the body outgrew its {@code Content-Length}, or ended short of it
     */
    ChannelFuture writeBody(ByteBuf data, boolean last, HttpHeaders trailers) {
        if (last) {
            // An HTTP/1.1 client has a response framed by its length (or without a body) once the
            // bytes are out: the empty end adds nothing it waits for, and it may close at once.
            endIsFormality = !data.isReadable() && (noBody || bodyLeft == 0) && !"HTTP/2".equals(downstream.protocol());
        }
        try {
            if (noBody && data.isReadable()) {
                data.release(); // a response that has no body: what a filter made of it goes nowhere
                data = Unpooled.EMPTY_BUFFER;
            }
            bodyLeft = Framing.afterWrite(bodyLeft, data.readableBytes(), "the response");
            bodyBytes += data.readableBytes();
            if (last) {
                Framing.atEnd(bodyLeft, "the response");
            }
        } catch (PingoraException e) {
            data.release();
            keepAlive = false;
            throw e;
        }
        if (last) {
            DefaultLastHttpContent end = new DefaultLastHttpContent(data);
            if (trailers != null && !trailers.isEmpty() && !noBody) {
                // gRPC's status rides here. Sent on an HTTP/2 stream and in a chunked body; a body
                // framed by Content-Length has no place for them (RFC 9112 §6.5).
                HopByHop.strip(trailers);
                end.trailingHeaders().set(trailers);
            }
            return downstream.write(end);
        }
        // Not flushed: the end of the upstream read that brought it flushes it with its siblings.
        downstream.writeWithoutFlush(new DefaultHttpContent(data));
        return null;
    }

    /**
     * Whether an HTTP/1.1 client has the whole response already, with only the empty end left to
     * write: a head out with no body to follow (a length of 0, a 204, a HEAD). Such a client may
     * close before the proxy writes that end; its request did not fail.
     */
    boolean clientHasWhole() {
        return started && (noBody || bodyLeft == 0) && !"HTTP/2".equals(downstream.protocol());
    }

    /**
     * Whether the last piece, just written, carried nothing the client needed: a write of it that
     * fails because the client closed after the whole response is not a failure of the request.
     */
    boolean endIsFormality() {
        return endIsFormality;
    }

    /** The last piece of the upstream's body reached the client's socket. */
    void written() {
        done = true;
    }

    /** Returns the failure a failed write to the client is reported as. */
    static PingoraException clientWriteFailed(Throwable cause) {
        return PingoraException.downstream(ErrorType.WRITE_ERROR, "writing the response to the client failed", cause);
    }

    private void writeHead(HttpResponse response, long length, boolean stopping) {
        if (length == Framing.UNTIL_CLOSE || stopping) {
            keepAlive = false;
        }
        HttpHeaders headers = response.headers();
        if (!keepAlive) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (isHttp10()) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
        int code = response.status().code();
        noBody = head || code == 204 || code == 304 || code < 200;
        bodyLeft = length;
        started = true;
        // Not flushed: the body's first write carries the head out with it, in one send.
        downstream.writeWithoutFlush(response);
    }

    private boolean isHttp10() {
        return request.protocolVersion().equals(HttpVersion.HTTP_1_0);
    }
}
