package org.pingora4j.core.connectors;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last in an upstream pipeline while it connects: a failed TLS handshake, or a read the transport
 * tried on a socket still connecting ({@code NotYetConnectedException}, seen with epoll under
 * connection churn), also travels the pipeline as an exception, which Netty would log as unhandled
 * at its tail. The connect attempt reports failures through its future, so here they are only
 * noted at debug level. Removed once the connection is established.
 */
@ChannelHandler.Sharable
final class ConnectPhaseErrors extends ChannelInboundHandlerAdapter {

    static final ConnectPhaseErrors INSTANCE = new ConnectPhaseErrors();

    private static final Logger logger = LoggerFactory.getLogger(ConnectPhaseErrors.class);

    private ConnectPhaseErrors() {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("Upstream {} failed while connecting", ctx.channel().remoteAddress(), cause);
    }
}
