package org.pingora4j.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: reads requests one after the other (pipelined requests wait their turn),
 * hands each to a {@link ProxyRequest}, and keeps the connection alive between them. Mirrors the
 * keep-alive loop of pingora's {@code HttpServerApp} and {@code process_new_http}.
 *
 * <p>Reads as bytes arrive, and stops while too much waits unread, so a request body flows no
 * faster than the upstream takes it and memory per connection stays bounded. A request head that
 * breaks {@link RequestHeadRules} is answered (400, 414, 431, 501, 505) and the connection is
 * closed: after a framing error the byte stream cannot be trusted (request smuggling). Confined to
 * the channel's event loop.
 */
final class DownstreamConnection<C> extends ChannelInboundHandlerAdapter implements ClientTimeouts.Expiry {

    private static final Logger logger = LoggerFactory.getLogger(DownstreamConnection.class);

    /*
     * Back-pressure on the client: decoded parts wait in `inbound` until the request takes them
     * (body chunks are at most 8 KiB each). Reading stops at PAUSE_AT waiting parts and resumes at
     * RESUME_AT, so a connection holds at most about 128 KiB, and the epoll interest changes only
     * while a client sends faster than the proxy forwards, never per request.
     */
    private static final int PAUSE_AT = 16;
    private static final int RESUME_AT = 4;

    private final ProxyService<C> service;
    private final boolean tls;
    private final ArrayDeque<HttpObject> inbound = new ArrayDeque<>();
    private Channel channel;
    private EventLoop loop;
    private CompletableFuture<HttpObject> waiter;
    private boolean paused;
    private ClientTimeouts timeouts;
    private boolean watchingWrites;
    private boolean flushScheduled;
    private final Runnable flushTask = this::flushPending;
    private long pendingAtLastLook;
    private boolean draining;
    private boolean lingering;
    private ProxyRequest<C> current;
    private int requests;
    private boolean closed;

    DownstreamConnection(ProxyService<C> service, boolean tls) {
        this.service = service;
        this.tls = tls;
    }

    boolean tls() {
        return tls;
    }

    Channel channel() {
        return channel;
    }

    int requests() {
        return requests;
    }

    boolean isClosed() {
        return closed;
    }

    /** Returns whether the request being served is a HEAD, whose response has no body. */
    boolean currentIsHead() {
        return current != null && current.isHead();
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        loop = channel.eventLoop();
        timeouts = new ClientTimeouts(loop, service.ticker(), service.scheduler(), this);
        // Read as bytes come (no epoll_ctl per request); a backlog pauses it, see demand().
        channel.config().setAutoRead(true);
        service.connectionOpened(this);
        awaitRequest();
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closed || !(msg instanceof HttpObject object)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        inbound.add(object);
        if (!paused && inbound.size() >= PAUSE_AT) {
            // Nobody takes what the client sends (a body the upstream is slow to accept, a flood of
            // pipelined requests): stop reading until the backlog is down to RESUME_AT.
            paused = true;
            channel.config().setAutoRead(false);
        }
        deliver();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (lingering) {
            return; // what it read was dropped in channelRead; auto-read goes on until the client closes
        }
        deliver();
        demand();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        timeouts.close();
        releaseInbound();
        CompletableFuture<HttpObject> w = waiter;
        waiter = null;
        if (w != null) {
            w.completeExceptionally(PingoraException.downstream(ErrorType.CONNECTION_CLOSED,
                    "client closed the connection", null));
        }
        if (current != null) {
            current.downstreamClosed();
        }
        service.connectionClosed(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("Client connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    // ---- reading --------------------------------------------------------------------------------

    /** Returns the next decoded part of the request stream. */
    CompletableFuture<HttpObject> next() {
        assert loop.inEventLoop();
        if (closed) {
            return CompletableFuture.failedFuture(PingoraException.downstream(ErrorType.CONNECTION_CLOSED,
                    "client closed the connection", null));
        }
        if (waiter != null) {
            return CompletableFuture.failedFuture(new IllegalStateException("a client read is already outstanding"));
        }
        HttpObject queued = inbound.poll();
        if (queued != null) {
            demand();
            return CompletableFuture.completedFuture(queued);
        }
        waiter = new CompletableFuture<>();
        CompletableFuture<HttpObject> w = waiter;
        if (current != null) {
            timeouts.awaitBody(service.serverOptions().bodyReadTimeout());
        }
        demand();
        return w;
    }

    /** Returns the next part of the current request's body; a {@link LastHttpContent} ends it. */
    CompletableFuture<HttpContent> readBody() {
        return next().thenApply(object -> {
            if (object.decoderResult().isFailure()) {
                // A malformed body (a bad chunk size, say): the stream cannot be trusted past it, so
                // the request fails with 400 and the connection is closed after the answer.
                Throwable cause = object.decoderResult().cause();
                ReferenceCountUtil.release(object);
                throw PingoraException.downstream(ErrorType.H1_ERROR, "malformed request body", cause);
            }
            if (object instanceof HttpContent content) {
                return content;
            }
            ReferenceCountUtil.release(object);
            throw PingoraException.downstream(ErrorType.H1_ERROR, "a request head where its body was expected", null);
        });
    }

    private void deliver() {
        if (waiter != null && !inbound.isEmpty()) {
            CompletableFuture<HttpObject> w = waiter;
            waiter = null;
            timeouts.bodyArrived();
            w.complete(inbound.poll());
            demand();
        }
    }

    /** Resumes reading once a paused connection's backlog is small again. */
    private void demand() {
        if (paused && !closed && inbound.size() <= RESUME_AT) {
            paused = false;
            channel.config().setAutoRead(true);
        }
    }

    private void releaseInbound() {
        for (HttpObject o = inbound.poll(); o != null; o = inbound.poll()) {
            ReferenceCountUtil.release(o);
        }
    }

    // ---- the request loop -----------------------------------------------------------------------

    private void awaitRequest() {
        if (closed) {
            return;
        }
        if (service.isStopping() && requests > 0) {
            channel.close();
            return;
        }
        Duration keepalive = service.serverOptions().keepaliveTimeout();
        // The first request gets as long as a kept-alive one to arrive whole: a head that trickles
        // in (slowloris) is cut off with the wait for it.
        timeouts.awaitHead(keepalive.isZero() ? Duration.ofSeconds(60) : keepalive);
        next().whenComplete((object, error) -> {
            timeouts.headArrived();
            if (error != null) {
                return; // the connection closed while idle: nothing to answer
            }
            if (object instanceof HttpRequest request) {
                onRequestHead(request);
            } else {
                ReferenceCountUtil.release(object);
                badRequest(HttpResponseStatus.BAD_REQUEST, "request body without a request");
            }
        });
    }

    // ---- timeouts -------------------------------------------------------------------------------

    @Override
    public void headTimedOut() {
        if (current == null && !closed) {
            logger.debug("Closing client connection {}: no whole request within the keep-alive timeout",
                    channel.remoteAddress());
            channel.close();
        }
    }

    @Override
    public void bodyReadTimedOut() {
        if (current == null || closed || draining) {
            channel.close();
            return;
        }
        current.downstreamTimedOut(PingoraException.downstream(ErrorType.READ_TIMEDOUT,
                "no request body bytes from the client within " + service.serverOptions().bodyReadTimeout(), null));
    }

    @Override
    public void writeTimedOut() {
        ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        long pending = outbound == null ? 0 : outbound.totalPendingWriteBytes();
        if (pending == 0) {
            watchingWrites = false; // everything written: nothing to watch until the next write
            return;
        }
        if (pending != pendingAtLastLook) {
            // The client took bytes since the last look (or this is the first): give it another period.
            pendingAtLastLook = pending;
            timeouts.writePending(service.serverOptions().writeTimeout());
            return;
        }
        logger.debug("Closing client connection {}: {} bytes waited a whole write timeout ({}) for the client to read",
                channel.remoteAddress(), pending, service.serverOptions().writeTimeout());
        channel.close();
    }

    @Override
    public void drainTimedOut() {
        if (draining || lingering) {
            channel.close();
        }
    }

    private void onRequestHead(HttpRequest request) {
        if (request.decoderResult().cause() instanceof PrematureChannelClosureException) {
            channel.close(); // the client left, or was cut off, mid-head: nobody to answer
            return;
        }
        RequestHeadRules.Rejection rejection = RequestHeadRules.check(request, service.serverOptions());
        if (rejection != null) {
            ReferenceCountUtil.release(request);
            badRequest(rejection.status(), rejection.reason());
            return;
        }
        RequestHeadRules.normalize(request);
        requests++;
        current = new ProxyRequest<>(service, this, request);
        current.start();
    }

    /** Answers a request the proxy cannot parse or serve, and closes the connection. */
    private void badRequest(HttpResponseStatus status, String why) {
        service.failures().requestRejected(channel.remoteAddress(), status.code(), why);
        releaseInbound();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
        response.headers()
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set(HttpHeaderNames.CACHE_CONTROL, "private, no-store");
        closed = true;
        channel.writeAndFlush(response).addListener(f -> closeLingering());
    }

    /**
     * Closes the connection once the response is out, reading and dropping what the client still
     * sends until it closes its side or the drain timeout ends. Closing with unread bytes in the
     * socket would reset the connection, which can destroy the response before the client read it
     * (nginx's lingering close).
     */
    private void closeLingering() {
        if (!channel.isActive()) {
            return;
        }
        closed = true;
        lingering = true;
        releaseInbound();
        timeouts.startDrain(service.serverOptions().drainTimeout());
        if (channel instanceof DuplexChannel duplex) {
            duplex.shutdownOutput().addListener(f -> {
                if (f.isSuccess()) {
                    channel.config().setAutoRead(true);
                } else {
                    channel.close();
                }
            });
        } else {
            channel.close();
        }
    }

    // ---- writing and finishing ------------------------------------------------------------------

    /**
     * Writes {@code message} to the client and flushes; the future completes when it reached the
     * socket. The write timer is armed once, not per write: when it fires, the bytes still waiting
     * in the channel say whether the client read anything meanwhile.
     */
    ChannelFuture write(HttpObject message) {
        watchWrites();
        return channel.writeAndFlush(message);
    }

    /** Writes {@code message} without flushing: the next {@link #write} or {@link #flushSoon} sends it. */
    void writeWithoutFlush(HttpObject message) {
        watchWrites();
        channel.write(message, channel.voidPromise());
    }

    /**
     * Sends what {@link #writeWithoutFlush} left in the channel once the loop finished what it is
     * doing now. An upstream's response head is decoded, and handed on, before the body that came in
     * the same read: waiting for the end of that read lets the body's first write take the head
     * along, in one send instead of two.
     */
    void flushSoon() {
        if (flushScheduled) {
            return;
        }
        flushScheduled = true;
        try {
            loop.execute(flushTask);
        } catch (RejectedExecutionException e) {
            flushTask.run();
        }
    }

    private void flushPending() {
        flushScheduled = false;
        channel.flush();
    }

    private void watchWrites() {
        if (!watchingWrites) {
            watchingWrites = true;
            pendingAtLastLook = -1;
            timeouts.writePending(service.serverOptions().writeTimeout());
        }
    }

    /** Closes the connection if no request is being served (graceful shutdown). On the loop. */
    void closeIfIdle() {
        if (current == null && !closed) {
            channel.close();
        }
    }

    /**
     * Closes the connection, e.g. when a response cannot be completed. What was written goes out
     * first: a client that got a head and part of a body knows the response was cut short.
     */
    void close() {
        channel.flush();
        channel.close();
    }

    /**
     * Ends the current request: the connection then waits for the next one if {@code keepAlive},
     * after draining what is left of this request's body, and is closed otherwise.
     */
    void requestFinished(boolean keepAlive) {
        assert loop.inEventLoop();
        current = null;
        if (closed) {
            return;
        }
        if (!keepAlive) {
            closeLingering();
            return;
        }
        awaitRequest();
    }

    /**
     * Reads and drops the rest of the current request's body, up to {@code limit} bytes; completes
     * with true if the body ended within the limit. Pingora drains the same way before reusing a
     * client connection.
     */
    CompletableFuture<Boolean> drainBody(long limit) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        draining = true;
        timeouts.startDrain(service.serverOptions().drainTimeout());
        drainStep(limit, done);
        return done.whenComplete((drained, e) -> {
            draining = false;
            timeouts.drainEnded();
        });
    }

    private void drainStep(long remaining, CompletableFuture<Boolean> done) {
        readBody().whenComplete((content, error) -> {
            if (error != null) {
                done.complete(false);
                return;
            }
            long left = remaining - content.content().readableBytes();
            boolean last = content instanceof LastHttpContent;
            content.release();
            if (last) {
                done.complete(true);
            } else if (left < 0) {
                done.complete(false);
            } else {
                drainStep(left, done);
            }
        });
    }
}
