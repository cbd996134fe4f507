package org.pingora4j.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * On an HTTP/2 stream, holds a response head until the next write, and sends a head followed by
 * an empty end as one {@code HEADERS} frame with {@code END_STREAM}. Without it, a response with
 * no body goes out as {@code HEADERS} plus an empty {@code DATA} frame, which is valid HTTP/2 but
 * not a gRPC "trailers-only" response: a gRPC client reads {@code grpc-status} from the headers only
 * when the stream ends with them. A flush sends a held head as it is. On the stream's loop.
 */
final class HeadCoalescer extends ChannelOutboundHandlerAdapter {

    private HttpResponse heldHead;
    private ChannelPromise heldPromise;

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse head && !(msg instanceof FullHttpResponse) && head.status().code() >= 200) {
            releaseHeld(ctx);
            heldHead = head;
            heldPromise = promise;
            return;
        }
        if (heldHead != null && msg instanceof LastHttpContent end && !end.content().isReadable()) {
            HttpResponse head = heldHead;
            ChannelPromise headPromise = heldPromise;
            heldHead = null;
            heldPromise = null;
            DefaultFullHttpResponse whole = new DefaultFullHttpResponse(head.protocolVersion(), head.status(),
                    end.content(), head.headers(), end.trailingHeaders());
            ChannelPromise wrote = promise.isVoid() ? ctx.newPromise() : promise;
            if (!headPromise.isVoid()) {
                wrote.addListener(f -> {
                    if (f.isSuccess()) {
                        headPromise.trySuccess();
                    } else {
                        headPromise.tryFailure(f.cause());
                    }
                });
            }
            ctx.write(whole, wrote);
            return;
        }
        releaseHeld(ctx);
        ctx.write(msg, promise);
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        releaseHeld(ctx);
        ctx.flush();
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        releaseHeld(ctx);
        ctx.close(promise);
    }

    private void releaseHeld(ChannelHandlerContext ctx) {
        if (heldHead != null) {
            HttpResponse head = heldHead;
            ChannelPromise promise = heldPromise;
            heldHead = null;
            heldPromise = null;
            ctx.write(head, promise);
        }
    }
}
