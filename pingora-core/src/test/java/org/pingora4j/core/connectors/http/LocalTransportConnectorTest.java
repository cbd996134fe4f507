package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1Internals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.local.LocalAddress;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * The connector on the in-memory {@link Transport#local()}: a peer's {@code host:port} names the
 * {@link LocalAddress} it connects to, nothing is resolved, and the connection is pooled and reused
 * as a socket would be. The benchmarks of the request path depend on it.
 */
final class LocalTransportConnectorTest {

    private final Transport transport = Transport.local();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
    private final HttpConnector connector = HttpConnector.builder(new ConnectorOptions(8))
            .channelType(transport.socketChannelType())
            .build();
    private final ConnectorFixture fixture = new ConnectorFixture();
    private final AtomicInteger accepted = new AtomicInteger();
    private Channel origin;

    @AfterEach
    void tearDown() {
        connector.close();
        if (origin != null) {
            origin.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        fixture.close();
    }

    @Test
    void connectsToTheLocalAddressNamedByThePeerAndReusesTheConnection() throws Exception {
        // A name no resolver knows: connecting must not try to resolve it.
        origin = startOrigin("origin.invalid", 8080);
        HttpPeer peer = new HttpPeer("origin.invalid:8080", false, "");
        EventLoop loop = group.next();

        ConnectorFixture.Result first = fixture.exchange(connector, peer, ConnectorFixture.get("/", peer.address()), loop);
        ConnectorFixture.Result second = fixture.exchange(connector, peer, ConnectorFixture.get("/", peer.address()), loop);

        assertEquals(200, first.status());
        assertEquals("hello over memory", first.body());
        assertEquals("hello over memory", second.body());
        assertFalse(first.digest().reused());
        assertTrue(second.digest().reused());
        assertEquals(1, accepted.get());
        assertEquals(1, connector.stats().connectsOk());
        assertInstanceOf(LocalAddress.class, Http1Internals.channel(first.session()).remoteAddress());
        // In memory there is no socket address to report.
        assertNull(first.digest().socket().peerAddress());
        assertNull(first.digest().socket().localAddress());
    }

    @Test
    void aPeerWithNothingListeningFailsToConnect() {
        HttpPeer peer = new HttpPeer("nobody.invalid:8080", false, "");
        assertThrows(PingoraException.class, () -> ConnectorFixture.await(connector.getHttpSession(peer, group.next())));
        assertEquals(0, connector.stats().connectsOk());
        assertEquals(1, connector.stats().connectsFailed());
    }

    private Channel startOrigin(String host, int port) throws InterruptedException {
        return new ServerBootstrap()
                .group(group)
                .channel(transport.serverChannelType())
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        accepted.incrementAndGet();
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1024), new Hello());
                    }
                })
                .bind(Transport.localAddress(host, port))
                .sync()
                .channel();
    }

    private static final class Hello extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK,
                    Unpooled.copiedBuffer("hello over memory", StandardCharsets.US_ASCII));
            response.headers().set(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            ctx.writeAndFlush(response);
        }
    }
}
