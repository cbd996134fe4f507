package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The warm-up's origin, one per upstream connection: answers each request the proxy copy forwards
 * with {@link WarmUpTraffic}'s answer for its path, once the request (and its body) has arrived,
 * and closes the connection after its {@value #REQUESTS_PER_CONNECTION}th answer.
 */
final class WarmUpOrigin extends ChannelInboundHandlerAdapter {

    /** Answers per upstream connection, the last with {@code Connection: close}. */
    static final int REQUESTS_PER_CONNECTION = 16;

    private final WarmUpTraffic traffic;
    private final WarmUpScanner scanner = new WarmUpScanner();
    private int answered;

    WarmUpOrigin(WarmUpTraffic traffic) {
        this.traffic = traffic;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof ByteBuf in) {
                while (in.isReadable() && scanner.feed(in)) {
                    if (++answered == REQUESTS_PER_CONNECTION) {
                        ctx.writeAndFlush(traffic.closingResponse()).addListener(ChannelFutureListener.CLOSE);
                        return;
                    }
                    ctx.write(traffic.response(scanner.startLine()));
                    scanner.reset();
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
