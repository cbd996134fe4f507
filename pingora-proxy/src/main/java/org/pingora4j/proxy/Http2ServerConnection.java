package org.pingora4j.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;

/**
 * One HTTP/2 client connection, as the service sees it: its handler sits last in the connection's
 * pipeline (after Netty's frame codec and multiplexer, which give each stream its own
 * {@link Http2StreamDownstream}). It counts the open streams, closes the connection after the
 * keep-alive timeout without one (pingora lacks this idle timeout for h2, cloudflare/pingora#563),
 * and on a graceful shutdown says {@code GOAWAY} and closes once the streams in flight ended
 * (Netty's graceful close, bounded by the drain timeout). Confined to the connection's event loop.
 */
final class Http2ServerConnection<C> extends ChannelInboundHandlerAdapter
        implements ClientConnection, ClientTimeouts.Expiry {

    private final ProxyService<C> service;
    private final boolean tls;
    private Channel channel;
    private ClientTimeouts timeouts;
    private ClientBufferBudget.Account account;
    private int open;
    private int streams;
    /** What the connection's streams hold of the client's data, in bytes. */
    private long held;

    Http2ServerConnection(ProxyService<C> service, boolean tls) {
        this.service = service;
        this.tls = tls;
    }

    boolean tls() {
        return tls;
    }

    @Override
    public Channel channel() {
        return channel;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        timeouts = new ClientTimeouts(channel.eventLoop(), service.ticker(), service.scheduler(), this);
        account = service.bufferBudget().newAccount(this);
        service.connectionOpened(this);
        awaitStream();
        channel.config().setAutoRead(true); // streams are flow controlled each on its own
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ReferenceCountUtil.release(msg); // connection-level frames: the codec already acted on them
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        timeouts.close();
        account.close();
        service.connectionClosed(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Netty's codec answered a connection error with GOAWAY already; nothing more to say.
        ctx.close();
    }

    /** One of the streams holds {@code delta} bytes more (or fewer) of the client's data. */
    void holds(long delta) {
        held += delta;
        account.holds(held);
    }

    /** A stream opened; returns its number on this connection, from 1. */
    int streamOpened() {
        open++;
        streams++;
        timeouts.headArrived();
        return streams;
    }

    void streamClosed() {
        open--;
        if (open == 0) {
            awaitStream();
        }
    }

    private void awaitStream() {
        Duration keepalive = service.serverOptions().keepaliveTimeout();
        timeouts.awaitHead(keepalive.isZero() ? Duration.ofSeconds(60) : keepalive);
    }

    @Override
    public void headTimedOut() {
        if (open == 0 && channel.isActive()) {
            channel.close(); // GOAWAY(NO_ERROR), then close: no stream is open
        }
    }

    @Override
    public void closeIfIdle() {
        // Netty's graceful close: GOAWAY now, the connection closes when the open streams ended.
        channel.close();
    }

    @Override
    public ClientBufferBudget.Account account() {
        return account;
    }

    @Override
    public void requestShed(long bytes) {
        channel.eventLoop().execute(() -> {
            account.chosen(bytes);
            closeNow(); // shedding frees memory now: no graceful drain of the streams
        });
    }

    /** Closes without Netty's graceful wait for the open streams (GOAWAY, then the socket at once). */
    @Override
    public void closeNow() {
        Http2FrameCodec codec = channel.pipeline().get(Http2FrameCodec.class);
        if (codec != null) {
            codec.gracefulShutdownTimeoutMillis(0);
        }
        channel.close();
    }

    @Override
    public void bodyReadTimedOut() {
    }

    @Override
    public void writeTimedOut() {
    }

    @Override
    public void drainTimedOut() {
    }
}
