package org.pingora4j.core.connectors.http.v2;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.protocols.http.ClientSession;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * One request as one stream of a shared HTTP/2 connection: pingora's HTTP/2 client
 * {@code Http2Session} ({@code protocols/http/v2/client.rs}). The stream's frames are translated to
 * and from Netty's HTTP/1 objects by {@code Http2StreamFrameToHttpObjectCodec} in the stream's own
 * pipeline, before this handler.
 *
 * <p>Back-pressure is HTTP/2 flow control: pausing the response stops the stream's reads, so its
 * window is not given back and the origin stops sending once the window (the peer's
 * {@code h2StreamWindow}) is spent; a request body write waits for {@link ResponseListener#onWritable}
 * when the origin's window for it is spent. A read timeout, or a write timeout (the origin's window
 * stays shut), resets this stream only ({@code RST_STREAM(CANCEL)}); the connection and its other
 * streams go on.
 *
 * <p>Failures: a stream the origin refused ({@code REFUSED_STREAM}) or left above a {@code GOAWAY}'s
 * last stream id was provably not processed ({@link ErrorType#H2_REFUSED}, retryable whatever the
 * method); a connection lost before any response byte is {@link RetryType#REUSED_ONLY}, as for
 * HTTP/1.1; any other reset after the request went out is not retryable. Confined to the
 * connection's event loop.
 */
final class Http2ClientSession extends ChannelInboundHandlerAdapter implements ClientSession {

    private final Http2Connection connection;
    private final Http2StreamChannel stream;
    private final Digest digest;
    private final HttpPeer peer;
    private final ChannelFutureListener writeFailed = this::onWriteDone;

    private ResponseListener listener;
    private boolean requestEnded;
    private boolean anyResponseByte;
    private boolean responseStarted;
    private boolean responseDone;
    private boolean refused;
    /** The origin said it wants no more of the request ({@code RST_STREAM(NO_ERROR)}, RFC 9113 §8.1): body parts are dropped. */
    private boolean requestCut;
    private Http2Error resetCode;
    private PingoraException failure;
    private boolean released;
    private ScheduledFuture<?> readTimer;
    /** Armed while a body write waits for the origin's window: the peer's write timeout. */
    private ScheduledFuture<?> writeTimer;

    Http2ClientSession(Http2Connection connection, Http2StreamChannel stream, Digest digest, HttpPeer peer) {
        this.connection = connection;
        this.stream = stream;
        this.digest = digest;
        this.peer = peer;
    }

    Http2Connection connection() {
        return connection;
    }

    @Override
    public Digest digest() {
        return digest;
    }

    @Override
    public HttpPeer peer() {
        return peer;
    }

    @Override
    public EventLoop eventLoop() {
        return connection.loop;
    }

    @Override
    public String protocol() {
        return "HTTP/2";
    }

    @Override
    public void streamResponse(ResponseListener l) {
        assert eventLoop().inEventLoop();
        if (listener != null) {
            throw new IllegalStateException("the response is already being read");
        }
        listener = l;
        if (failure != null) {
            listener = null;
            l.onFailure(failure);
        }
    }

    @Override
    public void pauseResponse() {
        stream.config().setAutoRead(false);
    }

    @Override
    public void resumeResponse() {
        if (!released && failure == null) {
            stream.config().setAutoRead(true);
        }
    }

    @Override
    public void sendRequestHead(HttpRequest request, boolean endOfStream, boolean flush) {
        assert eventLoop().inEventLoop();
        if (failure != null || released) {
            return;
        }
        H2Headers.dropExtensions(request.headers());
        Object message = request;
        if (endOfStream) {
            requestEnded = true;
            // One HEADERS frame with END_STREAM, rather than HEADERS and an empty DATA frame.
            message = new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri(),
                    Unpooled.EMPTY_BUFFER, request.headers(), io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
        }
        ChannelFuture write = flush ? stream.writeAndFlush(message) : stream.write(message);
        write.addListener(writeFailed);
        armReadTimer();
    }

    @Override
    public void sendRequestBody(ByteBuf data, boolean endOfStream, boolean flush) {
        assert eventLoop().inEventLoop();
        if (failure != null || released || requestEnded || requestCut) {
            data.release();
            return;
        }
        HttpContent part;
        if (endOfStream) {
            requestEnded = true;
            part = new DefaultLastHttpContent(data);
        } else {
            part = new DefaultHttpContent(data);
        }
        ChannelFuture write = flush ? stream.writeAndFlush(part) : stream.write(part);
        write.addListener(writeFailed);
        if (!stream.isWritable()) {
            armWriteTimer();
        }
    }

    @Override
    public void flush() {
        if (!released && failure == null) {
            stream.flush();
        }
    }

    @Override
    public long pendingWriteBytes() {
        return stream.bytesBeforeWritable();
    }

    @Override
    public boolean isWritable() {
        return stream.isWritable();
    }

    /** Whether the stream ended cleanly both ways. */
    boolean completed() {
        return requestEnded && responseDone && failure == null;
    }

    /** The request is over: a stream still open is reset (CANCEL). Returns false if released before. On the loop. */
    boolean release() {
        if (released) {
            return false;
        }
        released = true;
        listener = null;
        cancelReadTimer();
        cancelWriteTimer();
        if (stream.isActive()) {
            stream.close(); // RST_STREAM(CANCEL) unless both sides already ended
        }
        return true;
    }

    // ---- the stream's pipeline ---------------------------------------------------------------

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (released || failure != null || responseDone) {
            ReferenceCountUtil.release(msg);
            return;
        }
        anyResponseByte = true;
        armReadTimer();
        if (msg instanceof HttpResponse head) {
            onHead(head);
        } else if (msg instanceof HttpContent content) {
            if (!responseStarted) {
                content.release();
                fail(PingoraException.upstream(ErrorType.INVALID_H2, RetryType.NO,
                        "response body before its head (" + peer + ")", null));
                return;
            }
            deliverBody(content);
        } else {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onHead(HttpResponse head) {
        int code = head.status().code();
        if (code >= 100 && code < 200) {
            ReferenceCountUtil.release(head); // interim: the final head follows
            return;
        }
        if (responseStarted) {
            ReferenceCountUtil.release(head);
            fail(PingoraException.upstream(ErrorType.INVALID_H2, RetryType.NO, "a second response head (" + peer + ")", null));
            return;
        }
        responseStarted = true;
        H2Headers.dropExtensions(head.headers());
        ResponseListener l = listener;
        if (head instanceof FullHttpResponse full) {
            // HEADERS with END_STREAM (a trailers-only gRPC answer, a 204): a head, then an empty end.
            HttpResponse bare = new DefaultHttpResponse(full.protocolVersion(), full.status(), full.headers());
            LastHttpContent end = new DefaultLastHttpContent(full.content());
            end.trailingHeaders().set(full.trailingHeaders());
            l.onResponseHead(bare);
            if (listener == l) {
                deliverBody(end);
            } else {
                end.release();
            }
            return;
        }
        l.onResponseHead(head);
    }

    private void deliverBody(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (last) {
            responseDone = true;
            cancelReadTimer();
            if (content instanceof LastHttpContent end) {
                H2Headers.dropExtensions(end.trailingHeaders());
            }
        }
        ResponseListener l = listener;
        if (l == null) {
            content.release();
            return;
        }
        l.onResponseBody(content, last);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ResponseListener l = listener;
        if (l != null) {
            l.onReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (stream.isWritable()) {
            cancelWriteTimer();
            ResponseListener l = listener;
            if (l != null) {
                l.onWritable();
            }
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof Http2ResetFrame reset) {
            resetCode = Http2Error.valueOf(reset.errorCode());
            if (resetCode == Http2Error.REFUSED_STREAM) {
                refused = true;
            } else if (resetCode == Http2Error.NO_ERROR) {
                // A complete answer before the whole request: the response (maybe still queued in
                // the stream, read after this event) stands; the rest of the request is not wanted.
                requestCut = true;
            }
        } else if (evt instanceof Http2GoAwayFrame) {
            refused = true; // above the GOAWAY's last stream id: the origin did not process it
        }
        ReferenceCountUtil.release(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Http2Exception h2 = findH2(cause);
        if (h2 != null && h2.error() == Http2Error.REFUSED_STREAM) {
            refused = true;
        }
        fail(classify(cause));
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelReadTimer();
        cancelWriteTimer();
        if (!responseDone && !released) {
            fail(classify(null));
        }
    }

    private void onWriteDone(ChannelFuture f) {
        if (f.isSuccess()) {
            return;
        }
        if (requestCut || responseDone) {
            return; // the origin ended the stream after its answer: the unsent rest of the request is moot
        }
        Http2Exception h2 = findH2(f.cause());
        if (h2 != null && h2.error() == Http2Error.REFUSED_STREAM) {
            refused = true; // no stream could be created (GOAWAY, stream limit): nothing was sent
        }
        fail(classify(f.cause()));
        stream.close();
    }

    private PingoraException classify(Throwable cause) {
        String where = " (" + peer + ", " + connection + ")";
        if (refused) {
            return PingoraException.upstream(ErrorType.H2_REFUSED, RetryType.YES,
                    "the origin did not process the stream" + where, cause);
        }
        if (resetCode != null) {
            return PingoraException.upstream(ErrorType.H2_ERROR, RetryType.NO,
                    "the origin reset the stream (" + resetCode + ")" + where, cause);
        }
        if (!connection.channel.isActive()) {
            return PingoraException.upstream(ErrorType.CONNECTION_CLOSED,
                    anyResponseByte ? RetryType.NO : RetryType.REUSED_ONLY,
                    "the HTTP/2 connection closed before the response ended" + where, cause);
        }
        return PingoraException.upstream(ErrorType.H2_ERROR, anyResponseByte ? RetryType.NO : RetryType.REUSED_ONLY,
                "the stream failed" + where, cause);
    }

    private static Http2Exception findH2(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof Http2Exception e) {
                return e;
            }
        }
        return null;
    }

    private void fail(PingoraException error) {
        if (failure != null || released || responseDone) {
            return;
        }
        failure = error;
        cancelReadTimer();
        cancelWriteTimer();
        ResponseListener l = listener;
        listener = null;
        if (l != null) {
            l.onFailure(error);
        }
    }

    // ---- read timeout ---------------------------------------------------------------------------

    private void armReadTimer() {
        Duration timeout = peer.options().readTimeout();
        if (timeout == null || responseDone || released) {
            return;
        }
        cancelReadTimer();
        readTimer = connection.loop.schedule(this::readTimedOut, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void readTimedOut() {
        readTimer = null;
        if (responseDone || released || failure != null) {
            return;
        }
        if (!stream.config().isAutoRead()) {
            armReadTimer(); // paused by the proxy: the wait is the client's, not the origin's
            return;
        }
        fail(PingoraException.upstream(ErrorType.READ_TIMEDOUT, RetryType.NO,
                "no response bytes within " + peer.options().readTimeout() + " (" + peer + ", stream reset)", null));
        stream.close(); // RST_STREAM(CANCEL): this stream only
    }

    private void armWriteTimer() {
        Duration timeout = peer.options().writeTimeout();
        if (timeout == null || writeTimer != null) {
            return;
        }
        writeTimer = connection.loop.schedule(() -> {
            writeTimer = null;
            if (released || failure != null || stream.isWritable()) {
                return;
            }
            fail(PingoraException.upstream(ErrorType.WRITE_TIMEDOUT, RetryType.NO, "the origin took no request body bytes within "
                    + timeout + " (" + peer + ", stream reset)", null));
            stream.close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void cancelWriteTimer() {
        if (writeTimer != null) {
            writeTimer.cancel(false);
            writeTimer = null;
        }
    }

    private void cancelReadTimer() {
        if (readTimer != null) {
            readTimer.cancel(false);
            readTimer = null;
        }
    }

    @Override
    public String toString() {
        return "Http2ClientSession(" + connection + ", stream " + stream.stream().id() + ')';
    }
}
