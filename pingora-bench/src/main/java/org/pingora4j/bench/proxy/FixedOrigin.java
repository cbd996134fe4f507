package org.pingora4j.bench.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The trivial origin: answers every request head (a GET, without a body) with the same prebuilt
 * keep-alive response, written as a duplicate of one shared buffer, so that the origin's own cost
 * per request is a byte scan and a write, the same whether the proxy or the client calls it.
 *
 * <p>The answer is flushed in a later event loop task, not in the read that got the request: over
 * a {@link io.netty.channel.local.LocalChannel} on the caller's own loop, a flush from the read
 * would hand the response to the proxy inside its own call that wrote the request, which a socket
 * never does.
 */
final class FixedOrigin extends ChannelInboundHandlerAdapter {

    private final ByteBuf response;
    private int crlfMatched;
    private boolean answered;
    private Runnable flush;

    /** Answers with {@code response} (not released here: the owner of the buffer does that). */
    FixedOrigin(ByteBuf response) {
        this.response = response;
    }

    /** Returns a {@code 200} response with a body of {@code bodySize} bytes, in a direct buffer. */
    static ByteBuf response(int bodySize) {
        byte[] head = ("HTTP/1.1 200 OK\r\n"
                + "Server: fixed-origin\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "Content-Length: " + bodySize + "\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[bodySize];
        Arrays.fill(body, (byte) 'x');
        return Unpooled.directBuffer(head.length + bodySize).writeBytes(head).writeBytes(body);
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        flush = ctx::flush;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        ctx.channel().config().setAutoRead(true);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            for (int i = in.readerIndex(), end = in.writerIndex(); i < end; i++) {
                byte b = in.getByte(i);
                boolean expected = b == ((crlfMatched & 1) == 0 ? '\r' : '\n');
                crlfMatched = expected ? crlfMatched + 1 : (b == '\r' ? 1 : 0);
                if (crlfMatched == 4) { // the end of a request head
                    crlfMatched = 0;
                    ctx.write(response.retainedDuplicate(), ctx.voidPromise());
                    answered = true;
                }
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (answered) {
            answered = false;
            ctx.channel().eventLoop().execute(flush);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
