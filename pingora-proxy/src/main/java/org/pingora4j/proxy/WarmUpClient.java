package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * One client connection of the warm-up: sends a request, reads the whole answer, sends the next,
 * and closes after its share of requests (or when the run says stop), as a browser or a load
 * balancer with keep-alive would. Some connections leave instead with their last request unanswered
 * ({@link Leave}), as clients that give up do: the proxy's paths for a client gone mid-request are
 * then compiled with the rest. Left untaken while the code is profiled, those branches are compiled
 * as traps, and the first real client to go away sends the hottest compiled code of the request
 * path back to the interpreter while it is compiled again.
 */
final class WarmUpClient extends ChannelInboundHandlerAdapter {

    /** How a connection ends. */
    enum Leave {
        /** After the answer to its last request, as keep-alive clients do. */
        AFTER_ANSWER,
        /** Closes (FIN) as soon as its last request is sent: the upstream is still answering. */
        CLOSE_BEFORE_ANSWER,
        /** Resets (RST) when its last request's answer starts: the proxy is still writing it. */
        RESET_MID_ANSWER
    }

    /** What a client reports to the run that drives it. */
    interface Run {
        /** Claims the next request to send; negative when the run is over. */
        long nextRequest();

        /** Counts an answered request, {@code ok} if its status was 200. */
        void answered(boolean ok);

        /** Counts a request its client left on purpose before the answer was whole. */
        void abandoned();

        /** Counts the connection's end, to open the next one. */
        void closed();
    }

    private final Run run;
    private final WarmUpTraffic traffic;
    private final int requestsPerConnection;
    private final WarmUpScanner scanner = new WarmUpScanner();
    private final long firstRequest;
    private final Leave leave;
    private int sent;
    /** A request is out and its answer not complete. */
    private boolean awaiting;
    /** The request out is the one this connection leaves unanswered. */
    private boolean leaving;

    /** A connection that opens only with a request to send, {@code firstRequest}, already claimed. */
    WarmUpClient(Run run, WarmUpTraffic traffic, int requestsPerConnection, long firstRequest, Leave leave) {
        this.run = run;
        this.traffic = traffic;
        this.requestsPerConnection = requestsPerConnection;
        this.firstRequest = firstRequest;
        this.leave = leave;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        send(ctx, firstRequest);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (leaving && leave == Leave.RESET_MID_ANSWER) {
                ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
                ctx.close();
            } else if (msg instanceof ByteBuf in && scanner.feed(in)) {
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
        if (awaiting && leaving) {
            run.abandoned();
        } else if (awaiting) {
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
        send(ctx, n);
    }

    private void send(ChannelHandlerContext ctx, long n) {
        sent++;
        awaiting = true;
        leaving = leave != Leave.AFTER_ANSWER && sent == requestsPerConnection;
        if (!leaving) {
            ctx.writeAndFlush(traffic.request(n));
        } else if (leave == Leave.CLOSE_BEFORE_ANSWER) {
            ctx.writeAndFlush(traffic.largeRequest()).addListener(f -> ctx.close());
        } else {
            ctx.writeAndFlush(traffic.largeRequest());
        }
    }
}
