package org.pingora4j.examples;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local HTTPS origin that stands in for {@code api.example.com} (and {@code static.example.com},
 * {@code default.example.com}) in the demo and the examples' tests: its certificate is signed by
 * the demo CA ({@code demo/ca.crt}), which only the demo trusts. It counts TLS connections (the
 * handshakes a proxy pays for) and requests, and records each request's Host.
 */
public final class DemoOrigin implements AutoCloseable {

    private static final AttributeKey<Integer> CONNECTION = AttributeKey.valueOf("demo-origin-connection");

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final AtomicInteger connections = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> hosts = new CopyOnWriteArrayList<>();
    private final Channel server;

    private DemoOrigin() throws IOException, InterruptedException {
        SslContext tls;
        try (InputStream cert = resource("origin.crt"); InputStream key = resource("origin.key")) {
            tls = SslContextBuilder.forServer(cert, key).build();
        }
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.attr(CONNECTION).set(connections.incrementAndGet());
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()), new HttpServerCodec(),
                                new HttpObjectAggregator(1 << 20), new Handler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    /** Starts an origin on 127.0.0.1 and an ephemeral port. */
    public static DemoOrigin start() throws IOException, InterruptedException {
        return new DemoOrigin();
    }

    /** Returns the demo CA's certificate as a file, for {@code --ca-file}. */
    public static Path demoCaFile() {
        try (InputStream in = resource("ca.crt")) {
            Path file = Files.createTempFile("pingora4j-demo-ca-", ".crt");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract the demo CA", e);
        }
    }

    /** Returns the port on 127.0.0.1. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Returns how many TLS connections were accepted: the handshakes clients paid for. */
    public int connections() {
        return connections.get();
    }

    /** Returns how many requests were served. */
    public int requests() {
        return requests.get();
    }

    /** Returns the Host header of each request, in order. */
    public List<String> hosts() {
        return List.copyOf(hosts);
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static InputStream resource(String name) {
        InputStream in = DemoOrigin.class.getResourceAsStream("/demo/" + name);
        if (in == null) {
            throw new IllegalStateException("demo resource missing: demo/" + name);
        }
        return in;
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            requests.incrementAndGet();
            String host = String.valueOf(request.headers().get(HttpHeaderNames.HOST));
            hosts.add(host);
            String body = "{\"host\":\"" + host + "\",\"path\":\"" + request.uri() + "\",\"connection\":"
                    + ctx.channel().attr(CONNECTION).get() + "}\n";
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                    Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            ctx.writeAndFlush(response);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
