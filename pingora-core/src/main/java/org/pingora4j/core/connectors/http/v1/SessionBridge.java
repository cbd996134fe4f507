package org.pingora4j.core.connectors.http.v1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * Last inbound handler of an upstream pipeline: hands decoded response parts, read completions,
 * EOF and errors to the request now using the connection. With none (the connection is idle or
 * closing), a decoded part is dropped and the error logged by the connector.
 */
final class SessionBridge extends ChannelInboundHandlerAdapter {

    private final UpstreamConnection connection;

    SessionBridge(UpstreamConnection connection) {
        this.connection = connection;
    }

    private Http1ClientSession session() {
        return connection.session;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        Http1ClientSession session = session();
        if (session != null && msg instanceof HttpObject object) {
            session.onMessage(object);
        } else if (session != null && msg instanceof ByteBuf bytes && session.mayTakeSwitchedBytes()) {
            session.onSwitchedBytes(bytes); // the decoder's raw bytes after a 101: the new protocol's
        } else {
            ReferenceCountUtil.release(msg);
            ctx.close();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Http1ClientSession session = session();
        if (session != null) {
            session.onReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Http1ClientSession session = session();
        if (session != null) {
            session.onWritabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        connection.dead = true;
        Http1ClientSession session = connection.session;
        if (session != null) {
            session.onClosed();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Http1ClientSession session = session();
        if (session != null) {
            session.onError(cause);
        }
        ctx.close();
    }
}
