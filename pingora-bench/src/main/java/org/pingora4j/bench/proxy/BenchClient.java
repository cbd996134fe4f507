package org.pingora4j.bench.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * The in-memory HTTP/1.1 client: sends keep-alive GETs one after another on one connection, each
 * once the previous response was read to its end, and checks every response (status 200, a
 * {@code Content-Length} body of the expected size). Its parsing allocates nothing per response,
 * so that what a benchmark measures beyond the client is the other side's.
 *
 * <p>Confined to the channel's event loop, apart from {@link #run}, which hands over to it.
 */
final class BenchClient extends ChannelInboundHandlerAdapter {

    private static final byte[] CONTENT_LENGTH = "content-length:".getBytes(StandardCharsets.US_ASCII);

    private final ByteBuf request;
    private final long expectedBody;
    private final byte[] head = new byte[8192];
    private ChannelHandlerContext ctx;
    private CompletableFuture<Void> batch;
    private int toSend;
    private int headLength;
    private boolean inHead = true;
    private long bodyLeft;
    private long responses;

    /** Sends {@code request} (not released here) and expects bodies of {@code expectedBody} bytes. */
    BenchClient(ByteBuf request, long expectedBody) {
        this.request = request;
        this.expectedBody = expectedBody;
    }

    /** Returns {@code GET path} for {@code host}, keep-alive, in a direct buffer. */
    static ByteBuf request(String host, String path) {
        byte[] bytes = ("GET " + path + " HTTP/1.1\r\n"
                + "Host: " + host + "\r\n"
                + "User-Agent: pingora4j-bench\r\n"
                + "Accept: */*\r\n"
                + "\r\n").getBytes(StandardCharsets.US_ASCII);
        return Unpooled.directBuffer(bytes.length).writeBytes(bytes);
    }

    /**
     * Sends {@code count} requests in sequence on the channel's event loop; the future completes
     * after the last response's last byte was read, or fails with what went wrong.
     */
    CompletableFuture<Void> run(int count) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Channel channel = ctx.channel();
        channel.eventLoop().execute(() -> {
            batch = done;
            toSend = count;
            send();
        });
        return done;
    }

    /** Returns how many responses were read to their end. */
    long responses() {
        return responses;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        ctx = context;
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        context.channel().config().setAutoRead(true);
        context.fireChannelActive();
    }

    private void send() {
        toSend--;
        ctx.writeAndFlush(request.retainedDuplicate(), ctx.voidPromise());
    }

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            int i = in.readerIndex();
            int end = in.writerIndex();
            while (i < end) {
                if (inHead) {
                    i = readHead(in, i, end);
                } else {
                    int n = (int) Math.min(bodyLeft, end - i);
                    bodyLeft -= n;
                    i += n;
                    if (bodyLeft == 0) {
                        responseEnded();
                    }
                }
            }
        } catch (IllegalStateException e) {
            fail(e);
        } finally {
            in.release();
        }
    }

    private int readHead(ByteBuf in, int from, int end) {
        int i = from;
        while (i < end) {
            if (headLength == head.length) {
                throw new IllegalStateException("response head over " + head.length + " bytes");
            }
            head[headLength++] = in.getByte(i++);
            if (headLength >= 4 && head[headLength - 1] == '\n' && head[headLength - 2] == '\r'
                    && head[headLength - 3] == '\n' && head[headLength - 4] == '\r') {
                parseHead();
                inHead = false;
                if (bodyLeft == 0) {
                    responseEnded();
                }
                return i;
            }
        }
        return i;
    }

    private void parseHead() {
        int status = headLength > 12 ? (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0') : -1;
        long length = -1;
        for (int line = 0; line < headLength; line++) {
            if (line == 0 || head[line - 1] == '\n') {
                if (startsWithIgnoreCase(line, CONTENT_LENGTH)) {
                    length = parseLength(line + CONTENT_LENGTH.length);
                }
            }
        }
        if (status != 200 || length != expectedBody) {
            throw new IllegalStateException("unexpected response: "
                    + new String(head, 0, headLength, StandardCharsets.ISO_8859_1)
                    + " (expected: 200 with Content-Length " + expectedBody + ")");
        }
        headLength = 0;
        bodyLeft = length;
    }

    private boolean startsWithIgnoreCase(int at, byte[] lowerCase) {
        if (at + lowerCase.length > headLength) {
            return false;
        }
        for (int j = 0; j < lowerCase.length; j++) {
            if ((head[at + j] | 0x20) != lowerCase[j] && head[at + j] != lowerCase[j]) {
                return false;
            }
        }
        return true;
    }

    private long parseLength(int from) {
        long value = 0;
        int i = from;
        while (i < headLength && head[i] == ' ') {
            i++;
        }
        for (; i < headLength && head[i] >= '0' && head[i] <= '9'; i++) {
            value = value * 10 + (head[i] - '0');
        }
        return value;
    }

    private void responseEnded() {
        responses++;
        inHead = true;
        if (toSend > 0) {
            send();
        } else if (batch != null) {
            CompletableFuture<Void> done = batch;
            batch = null;
            done.complete(null);
        }
    }

    private void fail(Throwable cause) {
        if (batch != null) {
            CompletableFuture<Void> done = batch;
            batch = null;
            done.completeExceptionally(cause);
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        fail(new IllegalStateException("the connection closed after " + responses + " responses"));
        context.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        fail(cause);
    }
}
