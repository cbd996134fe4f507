package org.pingora4j.core.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelPipeline;
import io.netty.channel.DefaultChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.SocketAddress;
import java.nio.channels.NotYetConnectedException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * An exception the transport fires on a channel still connecting (an epoll read under connection
 * churn: {@code NotYetConnectedException}) stops in the connecting pipeline: it never reaches Netty's
 * pipeline tail, which logs it as "reached at the tail of the pipeline".
 */
final class ConnectingChannelErrorsTest {

    /** Exceptions that reached a pipeline's tail. */
    static final Queue<Throwable> UNHANDLED = new ConcurrentLinkedQueue<>();

    /** A NIO socket that fires, while connecting, what epoll fired under churn, and records what reached its tail. */
    public static final class ChurnedSocketChannel extends NioSocketChannel {
        @Override
        protected DefaultChannelPipeline newChannelPipeline() {
            return new DefaultChannelPipeline(this) {
                @Override
                protected void onUnhandledInboundException(Throwable cause) {
                    UNHANDLED.add(cause);
                    super.onUnhandledInboundException(cause);
                }
            };
        }

        @Override
        protected boolean doConnect(SocketAddress remote, SocketAddress local) throws Exception {
            boolean connected = super.doConnect(remote, local);
            ChannelPipeline pipeline = pipeline();
            pipeline.fireExceptionCaught(new NotYetConnectedException());
            return connected;
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void anExceptionWhileConnectingNeverReachesThePipelineTail() throws Exception {
        UNHANDLED.clear();
        try (TestOrigin origin = TestOrigin.plain()) {
            TransportConnector connector = new TransportConnector(new ConnectorOptions(128), PeerResolver.system(),
                    ChurnedSocketChannel.class);
            Established established = connector.newStream(new HttpPeer(origin.address(), false, ""), group.next())
                    .get(10, TimeUnit.SECONDS);
            assertTrue(established.channel().isActive(), "the connect itself is not failed by the stray exception");
            assertEquals(null, established.channel().pipeline().get(HandlerNames.CONNECTING),
                    "the guard leaves once connected");
            established.channel().close().syncUninterruptibly();
            assertEquals(0, UNHANDLED.size(), "reached the tail: " + UNHANDLED);
        }
    }
}
