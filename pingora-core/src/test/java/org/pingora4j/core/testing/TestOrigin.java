package org.pingora4j.core.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
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
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.conscrypt.Conscrypt;

/**
 * A small HTTP/1.1 origin on 127.0.0.1, plain or TLS, for hermetic tests. It counts the TCP
 * connections it accepted (each one a handshake the client paid for) and the requests it served,
 * records each request's {@code Host}, and answers through a replaceable {@link Responder}.
 */
public final class TestOrigin implements AutoCloseable {

    /** How the origin answers one request. */
    @FunctionalInterface
    public interface Responder {
        /** Answers {@code exchange}; the request is released after this returns. */
        void respond(Exchange exchange);
    }

    /** One request as the origin sees it. */
    public record Exchange(ChannelHandlerContext ctx, FullHttpRequest request, int connectionId, int requestOnConnection) {

        /** Sends a response with {@code body}, a Content-Length and the extra header pairs. */
        public void reply(HttpResponseStatus status, String body, String... headerPairs) {
            ctx.writeAndFlush(response(status, body, headerPairs));
        }

        /** Writes raw bytes to the connection, beneath the HTTP codec. */
        public void writeRaw(String bytes) {
            writeRawTo(ctx.channel(), bytes);
        }
    }

    /** Answers 200 with body {@code hello}. */
    public static final Responder HELLO = ex -> ex.reply(HttpResponseStatus.OK, "hello");

    private static final String CODEC = "codec";
    private static final AttributeKey<Integer> CONNECTION_ID = AttributeKey.valueOf("test-origin-connection-id");
    private static final AttributeKey<AtomicInteger> REQUESTS = AttributeKey.valueOf("test-origin-requests");

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final ChannelGroup children = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> hosts = new CopyOnWriteArrayList<>();
    private final Channel server;
    private volatile Responder responder = HELLO;

    private TestOrigin(SslContext ssl) throws InterruptedException {
        server = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.attr(CONNECTION_ID).set(accepted.incrementAndGet());
                        ch.attr(REQUESTS).set(new AtomicInteger());
                        children.add(ch);
                        if (ssl != null) {
                            ch.pipeline().addLast(ssl.newHandler(ch.alloc()));
                        }
                        ch.pipeline().addLast(CODEC, new HttpServerCodec());
                        ch.pipeline().addLast(new HttpObjectAggregator(64 * 1024 * 1024), new Handler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    /** Starts a plain-text origin. */
    public static TestOrigin plain() throws InterruptedException {
        return new TestOrigin(null);
    }

    /**
     * Starts a TLS origin presenting {@code certs/<name>.crt}. It runs on Conscrypt (BoringSSL), like
     * the origins pingora4j meets in production (OpenSSL, BoringSSL): the JDK's TLS server rejects
     * server names that real origins accept, such as ones with an underscore.
     */
    public static TestOrigin tls(String name) throws InterruptedException, SSLException {
        return new TestOrigin(SslContextBuilder.forServer(TestCerts.file(name + ".crt").toFile(),
                TestCerts.file(name + ".key").toFile()).sslContextProvider(Conscrypt.newProvider()).build());
    }

    /** Starts a TLS origin presenting {@code certs/<name>.crt} that requires a client certificate from {@code ca}. */
    public static TestOrigin mtls(String name, String clientCa) throws InterruptedException, SSLException {
        return new TestOrigin(SslContextBuilder.forServer(TestCerts.file(name + ".crt").toFile(),
                        TestCerts.file(name + ".key").toFile())
                .trustManager(TestCerts.file(clientCa + ".crt").toFile())
                .clientAuth(ClientAuth.REQUIRE)
                .build());
    }

    /** Writes raw bytes to {@code channel}, one of this origin's connections, beneath the HTTP codec. */
    public static void writeRawTo(Channel channel, String bytes) {
        channel.pipeline().context(CODEC).writeAndFlush(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    /** Builds a full response with a Content-Length. */
    public static FullHttpResponse response(HttpResponseStatus status, String body, String... headerPairs) {
        ByteBuf content = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        for (int i = 0; i + 1 < headerPairs.length; i += 2) {
            response.headers().add(headerPairs[i], headerPairs[i + 1]);
        }
        return response;
    }

    /** Replaces how requests are answered. */
    public TestOrigin responder(Responder value) {
        responder = value;
        return this;
    }

    /** Returns the port on 127.0.0.1. */
    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    /** Returns {@code 127.0.0.1:port}. */
    public String address() {
        return "127.0.0.1:" + port();
    }

    /** Returns how many TCP connections were accepted. */
    public int accepted() {
        return accepted.get();
    }

    /** Returns how many requests were served. */
    public int requests() {
        return requests.get();
    }

    /** Returns the Host header of each request, in order. */
    public List<String> hosts() {
        return List.copyOf(hosts);
    }

    /** Closes every open client connection, as an origin's own idle timer would, and waits for it. */
    public void closeClientConnections() throws InterruptedException {
        children.close().await(5, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        Bounded.await(server.close(), "the test origin's listener closing");
        Bounded.await(children.close(), "the test origin's connections closing");
        Bounded.await(group.shutdownGracefully(0, 1, TimeUnit.SECONDS), "the test origin's event loops shutting down");
    }

    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            requests.incrementAndGet();
            String host = request.headers().get(HttpHeaderNames.HOST);
            hosts.add(host == null ? "" : host);
            int onConnection = ctx.channel().attr(REQUESTS).get().incrementAndGet();
            responder.respond(new Exchange(ctx, request, ctx.channel().attr(CONNECTION_ID).get(), onConnection));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
