package org.pingora4j.proxy;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.socket.DuplexChannel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
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
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note (size). Over the house's 600 lines because it is the client connection's one state
 * machine: what it reads next (a head, a body, a drain, nothing while lingering), its timeouts and
 * its held bytes, all judged on the same fields. The parts that are not that state live beside it:
 * the read backlog (ClientInbound), the decoder (RequestDecoder), the timers (ClientTimeouts), the
 * tunnel it may become (Tunnel).
 */

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
final class DownstreamConnection<C> extends ChannelInboundHandlerAdapter
        implements Downstream, ClientConnection, ClientTimeouts.Expiry, ClientBufferBudget.Holder {

    private static final Logger logger = LoggerFactory.getLogger(DownstreamConnection.class);

    private final ProxyService<C> service;
    private final boolean tls;
    private final RequestDecoder decoder;
    private ClientInbound inbound;
    /** What the current request's body holds: its retry copy, and what waits to be sent upstream. */
    private long bodyBytes;
    private ClientBufferBudget.Account account;
    private Channel channel;
    private EventLoop loop;
    /** The current request waits for its head; otherwise parts belong to the request being served. */
    private boolean awaitingHead;
    /** The current request has no body: the decoder's empty end of it is dropped, not read. */
    private boolean dropEmptyEnd;
    /** Takes body parts as they are read, while it wants them. */
    private ClientBody bodyReader;
    private long drainLeft;
    private ClientTimeouts timeouts;
    private boolean watchingWrites;
    /** Bytes waiting for the client after the proxy's last write, or at the last look that saw progress. */
    private long writeBaselinePending;
    /** When {@link #writeBaselinePending} was taken: the client has read nothing since. */
    private long writeBaselineAt;
    private boolean draining;
    private boolean lingering;
    private ProxyRequest<C> current;
    /** Set once the connection switched protocols: from then on the tunnel reads and writes it. */
    private Tunnel tunnel;
    private int requests;
    private boolean closed;

    DownstreamConnection(ProxyService<C> service, boolean tls, RequestDecoder decoder) {
        this.service = service;
        this.tls = tls;
        this.decoder = decoder;
    }

    @Override
    public String protocol() {
        return "HTTP/1.1";
    }

    @Override
    public boolean tls() {
        return tls;
    }

    @Override
    public Channel channel() {
        return channel;
    }

    /** HTTP/1.1 keep-alive (RFC 9112 §9.3), the keep-alive timeout and the request limit. */
    @Override
    public boolean mayServeMoreAfter(HttpRequest request) {
        HttpServerOptions options = service.serverOptions();
        return HttpUtil.isKeepAlive(request) && !options.keepaliveTimeout().isZero()
                && (options.keepaliveRequestLimit() == 0 || requests < options.keepaliveRequestLimit());
    }

    @Override
    public int requests() {
        return requests;
    }

    @Override
    public boolean isClosed() {
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
        account = service.bufferBudget().newAccount(this);
        inbound = new ClientInbound(channel, decoder, this::isClosed);
        // Read as bytes come (no epoll_ctl per request); ClientInbound pauses it when needed.
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
        dispatch();
        inbound.afterRead(object);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (lingering) {
            return; // what it read was dropped in channelRead; auto-read goes on until the client closes
        }
        ClientBody reader = bodyReader;
        if (reader != null) {
            reader.readComplete();
        }
        inbound.demand();
        inbound.readComplete();
        accountHeld();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null && channel.isWritable()) {
            current.downstreamWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closed = true;
        timeouts.close();
        inbound.releaseAll();
        bodyReader = null;
        if (current != null) {
            current.downstreamClosed();
        }
        bodyBytes = 0;
        account.close();
        service.connectionClosed(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("Client connection {} failed", ctx.channel().remoteAddress(), cause);
        ctx.close();
    }

    // ---- reading ----------------------------------------------------------------------------------

    /*
     * Every decoded part goes where the connection's state says, as it is read: a head to a new
     * request while one is awaited; a body part to the body reader while it wants one; an unread
     * body's parts to the drain. Anything else waits in `inbound` (a pipelined request, a body part
     * the upstream cannot take yet), and reading pauses once too much waits.
     */
    private void dispatch() {
        for (HttpObject next = inbound.peek(); next != null && !closed; next = inbound.peek()) {
            if (dropEmptyEnd && next instanceof LastHttpContent end && !end.content().isReadable()
                    && end.decoderResult().isSuccess()) {
                // Comes right after the head of a request without a body; may arrive after that
                // request was answered (by a filter, say), and must not be read as the next request.
                inbound.take();
                dropEmptyEnd = false;
                end.release();
            } else if (awaitingHead) {
                inbound.take();
                awaitingHead = false;
                timeouts.headArrived();
                onHeadPart(next);
            } else if (draining) {
                inbound.take();
                drainPart(next);
            } else if (bodyReader != null && bodyReader.wantsPart()) {
                inbound.take();
                HttpContent part = bodyPart(next);
                if (part == null) {
                    return;
                }
                timeouts.bodyArrived();
                bodyReader.onPart(part);
            } else {
                break;
            }
        }
        if (bodyReader != null && bodyReader.wantsPart() && inbound.isEmpty() && !closed) {
            timeouts.awaitBody(service.serverOptions().bodyReadTimeout());
        }
        inbound.demand();
    }

    /** Returns {@code object} as a body part, or fails the request and returns null. */
    private HttpContent bodyPart(HttpObject object) {
        if (object.decoderResult().isFailure()) {
            // A malformed body (a bad chunk size, say): the stream cannot be trusted past it, so
            // the request fails with 400 and the connection is closed after the answer.
            Throwable cause = object.decoderResult().cause();
            ReferenceCountUtil.release(object);
            failBody(PingoraException.downstream(ErrorType.H1_ERROR, "malformed request body", cause));
            return null;
        }
        if (object instanceof HttpContent content) {
            return content;
        }
        ReferenceCountUtil.release(object);
        failBody(PingoraException.downstream(ErrorType.H1_ERROR, "a request head where its body was expected", null));
        return null;
    }

    private void failBody(PingoraException e) {
        bodyReader = null;
        inbound.releaseAll();
        if (current != null) {
            current.downstreamBodyFailed(e);
        }
    }

    /**
     * Starts (or resumes) handing the current request's body parts to {@code reader} as they are
     * read, for as long as it {@linkplain ClientBody#wantsPart() wants them}; null stops it.
     */
    @Override
    public void readBody(ClientBody reader) {
        assert loop.inEventLoop();
        bodyReader = reader;
        if (reader == null) {
            timeouts.bodyArrived(); // not waiting for the client's body any more
            return;
        }
        dispatch();
        if (bodyReader != null) {
            bodyReader.readComplete(); // parts that waited went out outside a read: flush them now
        } else {
            accountHeld();
        }
    }

    // ---- memory held --------------------------------------------------------------------------

    @Override
    public ClientBufferBudget.Account account() {
        return account;
    }

    /** The current request's body now holds {@code bytes} (its retry copy, what waits upstream). */
    @Override
    public void requestBodyHolds(long bytes) {
        bodyBytes = bytes;
        accountHeld();
    }

    /**
     * Tells the service's budget what this connection holds of its client's data: waiting objects
     * and the bytes the decoder holds (ClientInbound), and the request body's retry copy and what
     * waits upstream. Called at the end of each read, and after work done outside one.
     */
    private void accountHeld() {
        account.holds(inbound.heldBytes() + bodyBytes);
    }

    /**
     * The service's buffered client data is over its budget and this connection holds the most:
     * its request is answered 503 if nothing was sent yet, else the connection is closed. On the loop.
     */
    @Override
    public void requestShed(long bytes) {
        loop.execute(() -> {
            account.chosen(bytes);
            shed();
        });
    }

    private void shed() {
        if (closed) {
            return;
        }
        if (current != null && !current.responseStarted()) {
            current.shed(PingoraException.httpStatus(503,
                    "shed: the proxy's buffered client data reached its budget, and this connection held the most"));
        } else {
            closed = true;
            inbound.releaseAll();
            channel.close();
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
        awaitingHead = true;
        dispatch();
        accountHeld(); // what was taken outside a read (pipelined requests) is given back now
    }

    private void onHeadPart(HttpObject object) {
        if (object instanceof HttpRequest request) {
            onRequestHead(request);
        } else {
            ReferenceCountUtil.release(object);
            badRequest(HttpResponseStatus.BAD_REQUEST, "request body without a request");
        }
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

    /*
     * The write timeout runs from the last moment the client was seen to take bytes, not from the
     * first write: each write of the proxy's own re-stamps it (its flush hands the socket what it
     * can), and between writes the timer looks every eighth of the timeout at the bytes still
     * waiting. Netty tells nobody when a later flush (on EPOLLOUT) moves bytes, so a look that sees
     * fewer bytes waiting stamps its own time: the connection closes between T and T + T/8 after
     * the client's last read, and exactly at T after a write the client never read from.
     */
    @Override
    public void writeTimedOut() {
        long pending = pendingWriteBytes();
        if (pending == 0) {
            watchingWrites = false; // everything written: nothing to watch until the next write
            return;
        }
        long now = service.ticker().read();
        if (pending != writeBaselinePending) {
            writeBaselinePending = pending; // the client read since the last look
            writeBaselineAt = now;
        }
        long timeout = service.serverOptions().writeTimeout().toNanos();
        long stalled = now - writeBaselineAt;
        if (stalled < timeout) {
            timeouts.writePending(Math.min(timeout - stalled, lookInterval(timeout)));
            return;
        }
        logger.debug("Closing client connection {}: {} bytes waited a whole write timeout ({}) for the client to read",
                channel.remoteAddress(), pending, service.serverOptions().writeTimeout());
        channel.close();
    }

    private static long lookInterval(long timeoutNanos) {
        return Math.max(1, timeoutNanos / 8);
    }

    private long pendingWriteBytes() {
        ChannelOutboundBuffer outbound = channel.unsafe().outboundBuffer();
        return outbound == null ? 0 : outbound.totalPendingWriteBytes();
    }

    @Override
    public void tunnelTimedOut() {
        Tunnel t = tunnel;
        if (t == null || closed) {
            return;
        }
        long left = t.idleLeftNanos();
        if (left > 0) {
            timeouts.tunnelLook(left); // bytes moved since the last look
        } else {
            t.idle();
        }
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
        dropEmptyEnd = !current.hasBody();
        current.start();
    }

    /** Answers a request the proxy cannot parse or serve, and closes the connection. */
    private void badRequest(HttpResponseStatus status, String why) {
        service.failures().requestRejected(channel.remoteAddress(), status.code(), why);
        inbound.releaseAll();
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
        inbound.linger();
        accountHeld();
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

    // ---- switching protocols ----------------------------------------------------------------------

    /**
     * Makes the connection {@code t}'s client side, once the 101 head is written: the HTTP handlers
     * leave the pipeline (the decoder hands on, undecoded, what the client sent after its upgrade
     * request), and of the connection's timeouts only the tunnel's idle timeout remains. Returns
     * false, changing nothing, if the connection cannot become a tunnel: it closed, or requests were
     * decoded after the upgrade request, which the decoder should have prevented. On the loop.
     */
    boolean startTunnel(Tunnel t) {
        assert loop.inEventLoop();
        if (closed || !inbound.isEmpty()) {
            return false;
        }
        tunnel = t;
        inbound.tunnelled();
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addBefore(ProxyService.PROXY_HANDLER, "pingora-tunnel", t.clientSide());
        pipeline.remove(ResponseEncoder.class);
        pipeline.remove(decoder);
        timeouts.tunnelLook(t.idleTimeoutNanos());
        return true;
    }

    // ---- writing and finishing ------------------------------------------------------------------

    /**
     * Writes {@code message} to the client and flushes; the future completes when it reached the
     * socket. The write timer is armed once, not per write: when it fires, the bytes still waiting
     * in the channel say whether the client read anything meanwhile.
     */
    @Override
    public ChannelFuture write(HttpObject message) {
        ChannelFuture written = channel.writeAndFlush(message);
        wrote();
        return written;
    }

    /** Sends what {@link #writeWithoutFlush} left in the channel. */
    @Override
    public void flush() {
        channel.flush();
        wrote();
    }

    /** Writes {@code message} without flushing: the next {@link #write} or {@link #flush} sends it. */
    @Override
    public void writeWithoutFlush(HttpObject message) {
        channel.write(message, channel.voidPromise());
        wrote();
    }

    /** The proxy wrote: the write timeout starts again from now, over the bytes now waiting. */
    private void wrote() {
        writeBaselinePending = pendingWriteBytes();
        writeBaselineAt = service.ticker().read();
        if (!watchingWrites) {
            watchingWrites = true;
            timeouts.writePending(lookInterval(service.serverOptions().writeTimeout().toNanos()));
        }
    }

    /** Closes the connection if no request is being served (graceful shutdown). On the loop. */
    @Override
    public void closeIfIdle() {
        if (current == null && !closed) {
            channel.close();
        }
    }

    /**
     * Closes the connection, e.g. when a response cannot be completed. What was written goes out
     * first: a client that got a head and part of a body knows the response was cut short.
     */
    @Override
    public void close() {
        channel.flush();
        channel.close();
    }

    /**
     * Ends the current request. If {@code keepAlive}, the connection then waits for the next one,
     * after reading and dropping what is left of this request's body (up to {@code drainLimit}
     * bytes, within the drain timeout, as pingora drains before reusing a client connection);
     * otherwise, or if the body is longer, it is closed.
     */
    @Override
    public void requestFinished(boolean keepAlive, boolean bodyDone, long drainLimit) {
        assert loop.inEventLoop();
        current = null;
        bodyReader = null;
        if (closed) {
            return;
        }
        if (!keepAlive) {
            closeLingering();
            return;
        }
        if (bodyDone) {
            awaitRequest();
            return;
        }
        draining = true;
        drainLeft = drainLimit;
        timeouts.startDrain(service.serverOptions().drainTimeout());
        dispatch();
        accountHeld();
    }

    private void drainPart(HttpObject object) {
        boolean last = object instanceof LastHttpContent;
        boolean ok = object.decoderResult().isSuccess() && object instanceof HttpContent;
        if (ok) {
            drainLeft -= ((HttpContent) object).content().readableBytes();
        }
        ReferenceCountUtil.release(object);
        if (ok && !last && drainLeft >= 0) {
            return;
        }
        draining = false;
        timeouts.drainEnded();
        if (ok && last) {
            awaitRequest();
        } else {
            closeLingering();
        }
    }
}
