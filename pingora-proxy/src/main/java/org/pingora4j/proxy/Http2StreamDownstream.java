package org.pingora4j.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.pingora4j.core.connectors.http.v2.H2Headers;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;

/**
 * One HTTP/2 stream of a client connection: one request, run through the same {@link ProxyRequest}
 * phases as an HTTP/1.1 one. Mirrors pingora's HTTP/2 server session ({@code protocols/http/v2/server.rs}).
 * Netty's {@code Http2StreamFrameToHttpObjectCodec}, before this handler in the stream's pipeline,
 * turns the stream's frames into the HTTP/1 objects the engine speaks ({@code :authority} into
 * {@code Host}, cookies rejoined; RFC 9113 §8.2.3, §8.3.1).
 *
 * <p>Back-pressure is the stream's flow control: body parts the upstream cannot take yet wait here
 * with the stream's reads stopped, so the client's window is not given back, and what a stream can
 * make the proxy hold is its window ({@link HttpServerOptions#h2StreamWindow()}). The response goes
 * out as the stream's window allows; a client that stops reading (or never opens its window) is cut
 * off by the write timeout, a stalled upload by the body read timeout, each resetting this stream
 * only. Confined to the connection's event loop.
 */
final class Http2StreamDownstream<C> extends ChannelInboundHandlerAdapter
        implements Downstream, ClientTimeouts.Expiry {

    private final ProxyService<C> service;
    private final Http2ServerConnection<C> connection;
    private final ArrayDeque<HttpContent> waiting = new ArrayDeque<>(4);
    private Channel stream;
    private ClientTimeouts timeouts;
    private ProxyRequest<C> current;
    private ClientBody reader;
    private int number;
    private boolean bodyEnded;
    private boolean closed;
    /** The stream's request ended: whatever more the client sends on it is dropped. */
    private boolean finished;
    private boolean watchingWrites;
    /** Times the stream turned writable: a write timer that finds it changed saw the client read. */
    private int writableTurns;
    private int writableTurnsAtArm;
    /** What this stream holds of the client's data (its head, body parts waiting), as told to the connection. */
    private long held;
    private long headBytes;
    /** The weight of the parts in {@code waiting}, kept as they come and go (not summed per part). */
    private long waitingBytes;
    private long bodyHeld;

    Http2StreamDownstream(ProxyService<C> service, Http2ServerConnection<C> connection) {
        this.service = service;
        this.connection = connection;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        stream = ctx.channel();
        timeouts = new ClientTimeouts(stream.eventLoop(), service.ticker(), service.scheduler(), this);
        number = connection.streamOpened();
    }

    // ---- Downstream ---------------------------------------------------------------------------

    @Override
    public Channel channel() {
        return stream;
    }

    @Override
    public boolean tls() {
        return connection.tls();
    }

    @Override
    public String protocol() {
        return "HTTP/2";
    }

    @Override
    public boolean mayServeMoreAfter(HttpRequest request) {
        return true;
    }

    @Override
    public int requests() {
        return number;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        stream.flush();
        stream.close(); // RST_STREAM(CANCEL) unless the stream already ended both ways
    }

    @Override
    public void flush() {
        stream.flush();
        watchWrites();
    }

    @Override
    public ChannelFuture write(HttpObject message) {
        ChannelFuture written = stream.writeAndFlush(message);
        watchWrites();
        return written;
    }

    @Override
    public void writeWithoutFlush(HttpObject message) {
        stream.write(message, stream.voidPromise());
    }

    @Override
    public void readBody(ClientBody body) {
        reader = body;
        if (body == null) {
            timeouts.bodyArrived();
            return;
        }
        dispatch();
        if (reader != null) {
            reader.readComplete();
        }
    }

    @Override
    public void requestBodyHolds(long bytes) {
        bodyHeld = bytes;
        holdsWaiting();
    }

    /**
     * Tells the connection (and through it the service's buffer budget) what this stream holds: its
     * head while the request lives, the body parts waiting for the upstream, and the body's retry
     * copy. A stream's window bounds the waiting parts, but a hundred streams of 64 KiB heads each
     * would not be bounded by anything else.
     */
    private void holdsWaiting() {
        holds((current == null ? 0 : headBytes) + waitingBytes + bodyHeld);
    }

    private void holds(long bytes) {
        connection.holds(bytes - held);
        held = bytes;
    }

    @Override
    public void requestFinished(boolean keepAlive, boolean bodyDone, long drainLimit) {
        current = null;
        reader = null;
        finished = true;
        releaseWaiting();
        releaseHeld();
        timeouts.close();
        if (closed) {
            return;
        }
        if (!bodyDone && stream.isActive()) {
            // Answered before the client sent its whole body: it may stop sending (RFC 9113 §8.1).
            stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.NO_ERROR));
        }
        // Parts the stream held back (its reads paused while the upstream was slow) come in now,
        // and go: the stream's one request is over.
        stream.config().setAutoRead(true);
    }

    // ---- the stream's pipeline ------------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed || finished) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (current == null && !bodyEnded && msg instanceof HttpRequest head) {
            onHead(head);
            return;
        }
        if (!(msg instanceof HttpContent content) || bodyEnded) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (content instanceof LastHttpContent) {
            bodyEnded = true;
        }
        waiting.add(content);
        waitingBytes += InboundWeight.of(content);
        dispatch();
        holdsWaiting();
    }

    private void onHead(HttpRequest decoded) {
        HttpRequest head = decoded;
        if (decoded instanceof FullHttpRequest full) {
            // HEADERS with END_STREAM: no body follows.
            head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
            bodyEnded = true;
            full.release();
        }
        H2Headers.dropExtensions(head.headers());
        RequestHeadRules.Rejection rejection = RequestHeadRules.check(head, service.serverOptions());
        if (rejection != null) {
            reject(rejection.status(), rejection.reason());
            return;
        }
        RequestHeadRules.normalize(head);
        headBytes = InboundWeight.of(head);
        current = new ProxyRequest<>(service, this, head);
        holdsWaiting();
        current.start();
    }

    /** Answers a request that cannot be served, on this stream only: the connection goes on. */
    private void reject(HttpResponseStatus status, String why) {
        service.failures().requestRejected(stream.remoteAddress(), status.code(), why);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, "private, no-store");
        stream.writeAndFlush(response).addListener(f -> {
            if (stream.isActive()) {
                stream.close(); // whatever of the request is still coming is refused
            }
        });
        bodyEnded = true;
    }

    private void dispatch() {
        ClientBody body = reader;
        while (body != null && body.wantsPart() && !waiting.isEmpty() && !closed) {
            timeouts.bodyArrived();
            HttpContent part = waiting.poll();
            waitingBytes -= InboundWeight.of(part);
            body.onPart(part);
            body = reader;
        }
        // Parts the upstream cannot take yet hold the stream's reads, and with them its window.
        stream.config().setAutoRead(waiting.isEmpty());
        if (reader != null && reader.wantsPart() && waiting.isEmpty() && !bodyEnded && !closed) {
            timeouts.awaitBody(service.serverOptions().bodyReadTimeout());
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ClientBody body = reader;
        if (body != null) {
            body.readComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (stream.isWritable()) {
            writableTurns++;
            if (current != null) {
                current.downstreamWritable();
            }
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A stream error in what the client sent (a header Netty's validation refused, say): this
        // stream is answered or reset; the connection and its other streams go on.
        if (current == null && !closed && stream.isActive()) {
            reject(HttpResponseStatus.BAD_REQUEST, "malformed HTTP/2 request: " + cause.getMessage());
            return;
        }
        stream.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        timeouts.close();
        releaseWaiting();
        releaseHeld();
        reader = null;
        connection.streamClosed();
        ProxyRequest<C> request = current;
        if (request != null) {
            request.downstreamClosed();
        }
    }

    private void releaseHeld() {
        connection.holds(-held);
        held = 0;
        headBytes = 0;
        bodyHeld = 0;
    }

    private void releaseWaiting() {
        waitingBytes = 0;
        for (HttpContent part = waiting.poll(); part != null; part = waiting.poll()) {
            part.release();
        }
    }

    // ---- timeouts -------------------------------------------------------------------------------

    private void watchWrites() {
        if (!stream.isWritable() && !watchingWrites) {
            watchingWrites = true;
            writableTurnsAtArm = writableTurns;
            timeouts.writePending(service.serverOptions().writeTimeout().toNanos());
        }
    }

    @Override
    public void writeTimedOut() {
        watchingWrites = false;
        if (closed || stream.isWritable()) {
            return;
        }
        if (writableTurns != writableTurnsAtArm) {
            watchWrites(); // the client read meanwhile: a whole timeout from now
            return;
        }
        ProxyRequest<C> request = current;
        if (request != null) {
            request.downstreamTimedOut(PingoraException.downstream(ErrorType.WRITE_TIMEDOUT,
                    "the HTTP/2 client took no response bytes within " + service.serverOptions().writeTimeout(), null));
        }
        stream.close();
    }

    @Override
    public void bodyReadTimedOut() {
        ProxyRequest<C> request = current;
        if (request != null && !closed) {
            request.downstreamTimedOut(PingoraException.downstream(ErrorType.READ_TIMEDOUT,
                    "no request body bytes from the HTTP/2 client within " + service.serverOptions().bodyReadTimeout(), null));
        }
        stream.close();
    }

    @Override
    public void headTimedOut() {
    }

    @Override
    public void drainTimedOut() {
    }
}
