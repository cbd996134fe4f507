package org.pingora4j.core.connectors;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Last in an upstream pipeline while it connects: a failed TLS handshake also travels the pipeline
 * as an exception, which Netty would log as unhandled. The connect attempt reports it through its
 * future, so here it is only noted at debug level. Removed once the connection is established.
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
