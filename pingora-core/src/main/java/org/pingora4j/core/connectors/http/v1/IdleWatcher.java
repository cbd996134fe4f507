package org.pingora4j.core.connectors.http.v1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * Watches an upstream connection's raw (decrypted) bytes, first in its pipeline after TLS. Plays
 * the role of pingora's {@code idle_poll}, without a task or a thread per connection: Netty tells
 * the channel's own event loop when bytes or EOF arrive.
 *
 * <ul>
 *   <li><b>Idle</b> (in the pool): a read is armed, so any byte, EOF, reset or TLS close_notify takes
 *       the connection out of the pool at once and closes it. A server never speaks first on an idle
 *       HTTP/1.1 connection (nginx and h2o assume the same), so any byte means the connection is
 *       unusable.</li>
 *   <li><b>Active</b> (serving a request): bytes pass to the decoder; the first one marks the request
 *       as having received response bytes (after which a failure is no longer safe to retry), and
 *       bytes before the request was sent fail it.</li>
 * </ul>
 * Confined to the channel's event loop.
 */
final class IdleWatcher extends ChannelInboundHandlerAdapter {

    private final Http1Connector connector;
    private final UpstreamConnection connection;
    private boolean idle;

    IdleWatcher(Http1Connector connector, UpstreamConnection connection) {
        this.connector = connector;
        this.connection = connection;
    }

    /** Starts watching the idle connection: arms a read so that EOF or stray bytes show up. */
    void enterIdle() {
        assert connection.loop.inEventLoop();
        idle = true;
        connection.channel.read();
    }

    /** Stops watching: the connection serves a request again. */
    void leaveIdle() {
        assert connection.loop.inEventLoop();
        idle = false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamConnection c = connection;
        if (idle) {
            ReferenceCountUtil.release(msg);
            connector.idleConnectionDied(c, "unexpected data while idle");
            return;
        }
        if (msg instanceof ByteBuf buf && buf.isReadable()) {
            Http1ClientSession session = c.session;
            if (session == null || !session.requestStarted()) {
                ReferenceCountUtil.release(msg);
                if (session != null) {
                    session.failUnexpectedData();
                } else {
                    ctx.close();
                }
                return;
            }
            session.onResponseBytes();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (idle) {
            connector.idleConnectionDied(connection, "closed by the peer while idle");
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (idle && evt instanceof SslCloseCompletionEvent) {
            connector.idleConnectionDied(connection, "TLS close_notify while idle");
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (idle) {
            connector.idleConnectionDied(connection, "error while idle: " + cause);
            return;
        }
        ctx.fireExceptionCaught(cause);
    }
}
