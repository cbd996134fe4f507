package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One client connection of the warm-up: sends a request, reads the whole answer, sends the next,
 * and closes after its share of requests (or when the run says stop), as a browser or a load
 * balancer with keep-alive would.
 */
final class WarmUpClient extends ChannelInboundHandlerAdapter {

    /** What a client reports to the run that drives it. */
    interface Run {
        /** Claims the next request to send; negative when the run is over. */
        long nextRequest();

        /** Counts an answered request, {@code ok} if its status was 200. */
        void answered(boolean ok);

        /** Counts the connection's end, to open the next one. */
        void closed();
    }

    private final Run run;
    private final WarmUpTraffic traffic;
    private final int requestsPerConnection;
    private final WarmUpScanner scanner = new WarmUpScanner();
    private final long firstRequest;
    private int sent;
    /** A request is out and its answer not complete. */
    private boolean awaiting;

    /** A connection that opens only with a request to send, {@code firstRequest}, already claimed. */
    WarmUpClient(Run run, WarmUpTraffic traffic, int requestsPerConnection, long firstRequest) {
        this.run = run;
        this.traffic = traffic;
        this.requestsPerConnection = requestsPerConnection;
        this.firstRequest = firstRequest;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        sent++;
        awaiting = true;
        ctx.writeAndFlush(traffic.request(firstRequest));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof ByteBuf in && scanner.feed(in)) {
                awaiting = false;
                run.answered(scanner.startLine().startsWith("HTTP/1.1 200 "));
                scanner.reset();
                sendOrClose(ctx);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (awaiting) {
            run.answered(false); // closed before its answer was whole: a failed request, not a lost one
        }
        run.closed();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }

    private void sendOrClose(ChannelHandlerContext ctx) {
        long n = sent < requestsPerConnection ? run.nextRequest() : -1;
        if (n < 0) {
            ctx.close();
            return;
        }
        sent++;
        awaiting = true;
        ctx.writeAndFlush(traffic.request(n));
    }
}
