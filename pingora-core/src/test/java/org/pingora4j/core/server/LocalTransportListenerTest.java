package org.pingora4j.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ListeningService;
import org.pingora4j.core.services.ServiceContext;

/** A listening service on the in-memory {@link Transport#local()} accepts on the address named host:port. */
final class LocalTransportListenerTest {

    private final Transport transport = Transport.local();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
    private final EchoService service = new EchoService();

    @AfterEach
    void tearDown() {
        service.shutdown();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void acceptsConnectionsOnTheLocalAddressNamedHostPort() throws Exception {
        service.addTcp("echo.invalid:9000");
        service.start(new ServiceContext(ServerConf.defaults(), group, transport));

        CompletableFuture<String> answer = new CompletableFuture<>();
        Channel client = new Bootstrap()
                .group(group)
                .channel(transport.socketChannelType())
                .handler(new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                        ByteBuf in = (ByteBuf) msg;
                        answer.complete(in.toString(StandardCharsets.US_ASCII));
                        in.release();
                    }
                })
                .connect(Transport.localAddress("echo.invalid", 9000))
                .sync()
                .channel();
        client.writeAndFlush(Unpooled.copiedBuffer("ping", StandardCharsets.US_ASCII));

        assertEquals("ping", answer.get(10, TimeUnit.SECONDS));
        assertEquals(1, service.openConnections());
        assertTrue(service.boundAddresses().isEmpty(), "an in-memory address is not a socket address");
        client.close().sync();
    }

    @Test
    void theLocalTransportIsNotSockets() {
        assertEquals("local", transport.name());
        assertFalse(transport.sockets());
        assertTrue(Transport.nio().sockets());
    }

    /** Echoes what it reads. */
    private static final class EchoService extends ListeningService {
        EchoService() {
            super("echo");
        }

        @Override
        protected void initConnection(Channel channel, boolean tls) {
            channel.config().setAutoRead(true);
            channel.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ctx.writeAndFlush(msg);
                }
            });
        }

        @Override
        public CompletionStage<Void> drained() {
            return CompletableFuture.completedFuture(null);
        }
    }
}
