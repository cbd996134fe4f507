package org.pingora4j.bench.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pingora4j.core.testing.LeakCheckExtension;

/** The benchmark's client pipe behaves like a socket where the proxy can tell. */
@ExtendWith(LeakCheckExtension.class)
final class PipeChannelTest {

    private final MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    private final EventLoop loop = group.next();

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void flushedBytesArriveInALaterTaskAndOneReadDeliversOneMessage() throws Exception {
        PipeChannel[] pair = PipeChannel.pair(8080);
        List<String> received = new CopyOnWriteArrayList<>();
        pair[1].config().setAutoRead(false);
        pair[1].pipeline().addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                received.add(((ByteBuf) msg).toString(StandardCharsets.US_ASCII));
                ((ByteBuf) msg).release();
            }
        });
        loop.register(pair[1]).sync();
        loop.register(pair[0]).sync();

        boolean inline = loop.submit(() -> {
            pair[1].read();
            pair[0].write(Unpooled.copiedBuffer("a", StandardCharsets.US_ASCII));
            pair[0].writeAndFlush(Unpooled.copiedBuffer("b", StandardCharsets.US_ASCII));
            return !received.isEmpty();
        }).get(10, TimeUnit.SECONDS);
        loop.submit(() -> { }).get(10, TimeUnit.SECONDS);

        assertFalse(inline, "a flush must not deliver in the writer's stack");
        assertEquals(List.of("a"), received, "one read() with auto-read off delivers one message");
        loop.submit(() -> pair[1].read()).get(10, TimeUnit.SECONDS);
        loop.submit(() -> { }).get(10, TimeUnit.SECONDS);
        assertEquals(List.of("a", "b"), received);

        InetSocketAddress client = assertInstanceOf(InetSocketAddress.class, pair[1].remoteAddress());
        assertEquals(client, pair[0].localAddress());
        assertEquals(8080, ((InetSocketAddress) pair[0].remoteAddress()).getPort());
        pair[0].close().sync();
        pair[1].closeFuture().await(10, TimeUnit.SECONDS);
        assertFalse(pair[1].isOpen(), "closing one end closes the other");
    }
}
