package org.pingora4j.core.connectors.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.util.ReferenceCountUtil;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayList;
import java.util.List;

/**
 * First outbound handler of a test pipeline: while holding, writes stay pending (neither passed on
 * nor completed), as they do on a socket whose peer does not read. On close the held writes fail
 * and their buffers are released, as Netty's own outbound buffer does.
 */
final class WriteGate extends ChannelOutboundHandlerAdapter {

    private record Held(Object message, ChannelPromise promise) {
    }

    private final List<Held> held = new ArrayList<>();
    private ChannelHandlerContext ctx;
    private boolean holding;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Holds every write from now on. */
    void hold() {
        holding = true;
    }

    /** Passes the held writes on, in order, and stops holding. */
    void open() {
        holding = false;
        for (Held h : held) {
            ctx.write(h.message(), h.promise());
        }
        held.clear();
        ctx.flush();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (holding) {
            held.add(new Held(msg, promise));
        } else {
            ctx.write(msg, promise);
        }
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (!holding) {
            ctx.flush();
        }
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        for (Held h : held) {
            ReferenceCountUtil.release(h.message());
            h.promise().tryFailure(new ClosedChannelException());
        }
        held.clear();
        ctx.close(promise);
    }
}
