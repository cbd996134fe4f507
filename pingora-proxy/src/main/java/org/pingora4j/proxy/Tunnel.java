package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;
import org.pingora4j.pool.Ticker;

/*
 * Design note. A tunnel joins two channels that may live on two event loops (an upstream connection
 * can come from another loop's pool). Each side's handler runs on its own channel's loop and writes
 * to the other channel, which Netty makes safe from any thread; nothing else is shared but what is
 * below. Back-pressure is the water marks: a side stops reading when the other channel turns
 * unwritable after a read's writes are flushed, and reads again when that channel's writability
 * comes back (an event on the other loop, which sets this side's auto-read: thread safe). So each
 * direction holds at most one socket read beyond the high water mark.
 *
 * Shared state: the byte counters (AtomicLong, one writer each, read at the end), the time of the
 * last byte either way (a volatile long, read by the idle timer on the client's loop), which
 * directions ended (AtomicBoolean each), and `over` (AtomicBoolean: the end is reported once, when
 * both channels have closed, on the request's loop).
 */

/**
 * The byte tunnel of a connection that switched protocols (a WebSocket, say): after the origin's
 * {@code 101}, whatever either side sends goes to the other unchanged, until both are done.
 * Pingora's upgraded-body loop in {@code proxy_h1}, with what it leaves out: back-pressure both
 * ways, an end of input passed on as an end of output (half-close) where the channel can take one,
 * and an idle timeout ({@link HttpServerOptions#tunnelIdleTimeout()}).
 */
final class Tunnel {

    /** What the request learns when the tunnel is over: both connections are closed. */
    interface Ended {
        /** On the request's event loop; {@code error} is null for an orderly end. */
        void tunnelEnded(PingoraException error);
    }

    private final Channel client;
    private final Channel upstream;
    private final Ticker ticker;
    private final long idleNanos;
    private final Ended ended;
    private final AtomicLong fromClient = new AtomicLong();
    private final AtomicLong toClient = new AtomicLong();
    private final AtomicBoolean clientDone = new AtomicBoolean();
    private final AtomicBoolean upstreamDone = new AtomicBoolean();
    private final AtomicBoolean over = new AtomicBoolean();
    private volatile long lastActive;
    private volatile PingoraException failure;

    Tunnel(Channel client, Channel upstream, Ticker ticker, HttpServerOptions options, Ended ended) {
        this.client = client;
        this.upstream = upstream;
        this.ticker = ticker;
        this.idleNanos = options.tunnelIdleTimeout().toNanos();
        this.ended = ended;
        this.lastActive = ticker.read();
    }

    /** The client side's handler, to be put in the client's pipeline where the request decoder was. */
    ChannelInboundHandlerAdapter clientSide() {
        return new Side(true);
    }

    /**
     * Joins the two: writes what the origin sent along with its 101 to the client, puts the upstream
     * side's handler on the upstream channel, and starts reading both ways. The 101 head is already
     * written and the client's HTTP handlers removed. On the client's event loop.
     */
    void start(List<ByteBuf> earlyFromUpstream) {
        for (ByteBuf bytes : earlyFromUpstream) {
            toClient.addAndGet(bytes.readableBytes());
            client.write(bytes, client.voidPromise());
        }
        client.flush();
        halfClosable(client);
        halfClosable(upstream);
        client.closeFuture().addListener(f -> closed());
        upstream.closeFuture().addListener(f -> closed());
        upstream.pipeline().addLast("pingora-tunnel", new Side(false));
        client.config().setAutoRead(true);
        upstream.config().setAutoRead(true); // turning it on starts a read
    }

    long bytesFromClient() {
        return fromClient.get();
    }

    long bytesToClient() {
        return toClient.get();
    }

    /**
     * How long the tunnel may stay idle from now, or 0 if it has been idle its whole timeout
     * (the caller then ends it with {@link #idle()}).
     */
    long idleLeftNanos() {
        long left = idleNanos - (ticker.read() - lastActive);
        return Math.max(0, left);
    }

    long idleTimeoutNanos() {
        return idleNanos;
    }

    /** The idle timeout passed with no byte either way: both connections close. */
    void idle() {
        fail(PingoraException.downstream(ErrorType.READ_TIMEDOUT,
                "the tunnel carried no byte either way for " + Duration.ofNanos(idleNanos), null));
    }

    /** Ends the tunnel at once (the client went away, or the service is done waiting). Any thread. */
    void close() {
        closeBoth();
    }

    private void fail(PingoraException e) {
        if (failure == null) {
            failure = e;
        }
        closeBoth();
    }

    private void closeBoth() {
        flushAndClose(client);
        flushAndClose(upstream);
    }

    private static void flushAndClose(Channel channel) {
        if (channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.close();
        }
    }

    private void closed() {
        if (!client.closeFuture().isDone() || !upstream.closeFuture().isDone() || !over.compareAndSet(false, true)) {
            return;
        }
        Runnable report = () -> ended.tunnelEnded(failure);
        if (client.eventLoop().inEventLoop()) {
            report.run();
            return;
        }
        try {
            client.eventLoop().execute(report);
        } catch (RejectedExecutionException e) {
            // The loops are shutting down (the server's grace period is over): nobody is left to tell.
        }
    }

    /*
     * An end of input is passed on as an end of output only on a plain socket: through TLS it
     * would skip the close_notify, and a transport without half-close (in memory) has no such end.
     */
    private static void halfClosable(Channel channel) {
        if (channel instanceof DuplexChannel && channel.pipeline().get(SslHandler.class) == null) {
            channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        }
    }

    private static boolean canHalfClose(Channel channel) {
        return channel instanceof DuplexChannel && Boolean.TRUE.equals(channel.config().getOption(ChannelOption.ALLOW_HALF_CLOSURE));
    }

    /** One direction's reader: what its channel reads goes to the other channel. */
    private final class Side extends ChannelInboundHandlerAdapter {

        private final boolean isClient;
        private final Channel self;
        private final Channel other;

        Side(boolean isClient) {
            this.isClient = isClient;
            this.self = isClient ? client : upstream;
            this.other = isClient ? upstream : client;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (!(msg instanceof ByteBuf bytes)) {
                ReferenceCountUtil.release(msg);
                return;
            }
            (isClient ? fromClient : toClient).addAndGet(bytes.readableBytes());
            lastActive = ticker.read();
            other.write(bytes, other.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            other.flush();
            if (!other.isWritable()) {
                self.config().setAutoRead(false); // the other side's writability turns it back on
            }
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (self.isWritable()) {
                other.config().setAutoRead(true);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (!(evt instanceof ChannelInputShutdownEvent)) {
                ctx.fireUserEventTriggered(evt);
                return;
            }
            // This side sent all it will: the other side hears the same, once what went before is out.
            (isClient ? clientDone : upstreamDone).set(true);
            if ((isClient ? upstreamDone : clientDone).get() || !canHalfClose(other)) {
                closeBoth();
            } else if (other.isActive()) {
                other.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
                    if (!f.isSuccess() || !(other instanceof DuplexChannel duplex)) {
                        closeBoth();
                    } else {
                        duplex.shutdownOutput();
                    }
                });
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            flushAndClose(other); // what this side sent still reaches the other, then it closes too
            if (isClient) {
                ctx.fireChannelInactive(); // the client connection's own bookkeeping
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(isClient
                    ? PingoraException.downstream(ErrorType.READ_ERROR, "the tunnel's client connection failed", cause)
                    : PingoraException.upstream(ErrorType.READ_ERROR, RetryType.NO,
                            "the tunnel's upstream connection failed", cause));
        }
    }
}
