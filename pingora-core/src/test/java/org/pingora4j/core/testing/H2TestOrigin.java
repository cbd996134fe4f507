package org.pingora4j.core.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2ResetFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.conscrypt.Conscrypt;

/**
 * An HTTP/2 origin on 127.0.0.1 built on Netty's h2 server codec, for hermetic tests: h2c with
 * prior knowledge, or TLS offering {@code h2} (and optionally {@code http/1.1}, or only that). It
 * counts connections and the most streams open at once, and answers by path:
 * <ul>
 *   <li>{@code /size/N}: N bytes of 'a', with Content-Length</li>
 *   <li>{@code /echo}: the request body back, and headers telling what arrived ({@code x-seen-*},
 *       {@code x-body-sha256})</li>
 *   <li>{@code /trailers}: a body, then trailers {@code grpc-status: 0}</li>
 *   <li>{@code /trailers-only}: one HEADERS frame with END_STREAM and {@code grpc-status: 7}</li>
 *   <li>{@code /hold}: answered when {@link #releaseHeld()} is called</li>
 *   <li>{@code /refuse}: the stream is reset with REFUSED_STREAM</li>
 *   <li>{@code /goaway}: GOAWAY (no new streams), and this stream still answered</li>
 *   <li>{@code /reset}: the stream is reset with INTERNAL_ERROR after the request arrived</li>
 *   <li>{@code /goaway-unprocessed}: the first time, GOAWAY with a last stream id below this stream
 *       (the origin says it did not process it) and no answer; later, the body back as {@code /echo}</li>
 * </ul>
 */
public final class H2TestOrigin implements AutoCloseable {

    /** What the TLS listener offers through ALPN. */
    public enum Offer { H2, H2_AND_H1, H1_ONLY }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;
    private final int maxStreams;
    public final AtomicInteger connections = new AtomicInteger();
    public final AtomicInteger closedConnections = new AtomicInteger();
    /** Whether PINGs are answered; off to play an origin that hangs while its socket stays open. */
    public volatile boolean ackPings = true;
    /** The stream window the origin gives (0: it never takes a request body byte). */
    public volatile int streamWindow = 65_535;
    /** PINGs received (not acks). */
    public final AtomicInteger pings = new AtomicInteger();
    public final AtomicInteger h1Requests = new AtomicInteger();
    public final AtomicInteger streams = new AtomicInteger();
    /** The most streams open at once on one connection. */
    public final AtomicInteger maxOpen = new AtomicInteger();
    private static final io.netty.util.AttributeKey<AtomicInteger> OPEN = io.netty.util.AttributeKey.valueOf("h2-open-streams");
    private final Queue<Runnable> held = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicBoolean goneAwayUnprocessed = new java.util.concurrent.atomic.AtomicBoolean();
    public final Queue<String> paths = new ConcurrentLinkedQueue<>();
    /** Every whole request received: "METHOD uri bodyLength name=value;..." (header names lower-cased). */
    public final Queue<String> received = new ConcurrentLinkedQueue<>();

    private H2TestOrigin(SslContext tls, int maxStreams) throws InterruptedException {
        this.maxStreams = maxStreams;
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        connections.incrementAndGet();
                        ch.closeFuture().addListener(f -> closedConnections.incrementAndGet());
                        if (tls == null) {
                            installH2(ch.pipeline());
                            return;
                        }
                        ch.pipeline().addLast(tls.newHandler(ch.alloc()));
                        ch.pipeline().addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                            @Override
                            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                                    installH2(ctx.pipeline());
                                } else {
                                    ctx.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(1 << 20),
                                            new Handler(true));
                                }
                            }
                        });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    /** h2c with prior knowledge. */
    public static H2TestOrigin plain(int maxStreams) throws InterruptedException {
        return new H2TestOrigin(null, maxStreams);
    }

    /** TLS with {@code certs/server.crt}, offering {@code offer}. */
    public static H2TestOrigin tls(Offer offer, int maxStreams) throws Exception {
        List<String> protocols = switch (offer) {
            case H2 -> List.of(ApplicationProtocolNames.HTTP_2);
            case H2_AND_H1 -> List.of(ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1);
            case H1_ONLY -> List.of(ApplicationProtocolNames.HTTP_1_1);
        };
        SslContext context = SslContextBuilder.forServer(TestCerts.file("server.crt").toFile(),
                        TestCerts.file("server.key").toFile())
                .sslContextProvider(Conscrypt.newProvider())
                .applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols))
                .build();
        return new H2TestOrigin(context, maxStreams);
    }

    public int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    public String address() {
        return "127.0.0.1:" + port();
    }

    /** Answers every {@code /hold} request that waits. */
    public void releaseHeld() {
        for (Runnable r = held.poll(); r != null; r = held.poll()) {
            r.run();
        }
    }

    public int heldCount() {
        return held.size();
    }

    private void installH2(ChannelPipeline pipeline) {
        pipeline.addLast(Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings().maxConcurrentStreams(maxStreams).initialWindowSize(streamWindow))
                .autoAckPingFrame(ackPings)
                .build());
        pipeline.addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
            @Override
            protected void initChannel(Http2StreamChannel ch) {
                streams.incrementAndGet();
                AtomicInteger openHere = ch.parent().attr(OPEN).setIfAbsent(new AtomicInteger());
                AtomicInteger counter = openHere == null ? ch.parent().attr(OPEN).get() : openHere;
                maxOpen.accumulateAndGet(counter.incrementAndGet(), Math::max);
                ch.closeFuture().addListener(f -> counter.decrementAndGet());
                ch.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true),
                        new HttpObjectAggregator(4 << 20), new Handler(false));
            }
        }));
        pipeline.addLast(new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof io.netty.handler.codec.http2.Http2PingFrame ping && !ping.ack()) {
                    pings.incrementAndGet();
                }
                io.netty.util.ReferenceCountUtil.release(msg);
            }
        });
    }

    private final class Handler extends ChannelInboundHandlerAdapter {
        private final boolean h1;

        Handler(boolean h1) {
            this.h1 = h1;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
            FullHttpRequest request = (FullHttpRequest) msg;
            try {
                if (h1) {
                    h1Requests.incrementAndGet();
                }
                respond(ctx, request);
            } finally {
                request.release();
            }
        }

        private void respond(ChannelHandlerContext ctx, FullHttpRequest request) throws Exception {
            QueryStringDecoder uri = new QueryStringDecoder(request.uri());
            String path = uri.path();
            paths.add(path);
            StringBuilder seen = new StringBuilder(request.method() + " " + request.uri() + " " + request.content().readableBytes() + " ");
            request.headers().forEach(h -> seen.append(h.getKey().toLowerCase(java.util.Locale.ROOT)).append('=').append(h.getValue()).append(';'));
            received.add(seen.toString());
            Channel ch = ctx.channel();
            if (path.startsWith("/size/")) {
                int n = Integer.parseInt(path.substring(6));
                ByteBuf body = Unpooled.wrappedBuffer("a".repeat(n).getBytes(StandardCharsets.US_ASCII));
                DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, n);
                ch.writeAndFlush(response);
            } else if (path.equals("/goaway-unprocessed") && ch instanceof Http2StreamChannel stream
                    && goneAwayUnprocessed.compareAndSet(false, true)) {
                // The frame codec would name the last stream it saw; its handler's goAway takes any id.
                Http2FrameCodec codec = stream.parent().pipeline().get(Http2FrameCodec.class);
                int lastProcessed = Math.max(0, stream.stream().id() - 2);
                codec.goAway(stream.parent().pipeline().context(codec), lastProcessed, Http2Error.NO_ERROR.code(),
                        Unpooled.EMPTY_BUFFER, stream.parent().newPromise());
                stream.parent().flush();
            } else if (path.equals("/echo") || path.equals("/goaway-unprocessed")) {
                ByteBuf content = request.content();
                byte[] bytes = new byte[content.readableBytes()];
                content.getBytes(content.readerIndex(), bytes);
                DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.wrappedBuffer(bytes));
                response.headers()
                        .set("x-seen-authority", String.valueOf(request.headers().get(HttpHeaderNames.HOST)))
                        .set("x-seen-te", String.valueOf(request.headers().get(HttpHeaderNames.TE)))
                        .set("x-seen-cookie", String.valueOf(request.headers().get(HttpHeaderNames.COOKIE)))
                        .set("x-seen-connection", String.valueOf(request.headers().get(HttpHeaderNames.CONNECTION)))
                        .set("x-seen-method", request.method().name())
                        .set("x-body-sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)))
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
                ch.writeAndFlush(response);
            } else if (path.equals("/trailers")) {
                ch.write(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
                ch.write(new DefaultHttpContent(Unpooled.copiedBuffer("with trailers", StandardCharsets.US_ASCII)));
                DefaultLastHttpContent end = new DefaultLastHttpContent();
                end.trailingHeaders().set("grpc-status", "0").set("grpc-message", "fine");
                ch.writeAndFlush(end);
            } else if (path.equals("/trailers-only")) {
                DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                response.headers().set("content-type", "application/grpc").set("grpc-status", "7")
                        .set("grpc-message", "denied");
                ch.writeAndFlush(response);
            } else if (path.equals("/hold")) {
                held.add(() -> ch.eventLoop().execute(() -> {
                    DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            Unpooled.copiedBuffer("held", StandardCharsets.US_ASCII));
                    response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 4);
                    ch.writeAndFlush(response);
                }));
            } else if (path.equals("/refuse") && ch instanceof Http2StreamChannel stream) {
                stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.REFUSED_STREAM));
            } else if (path.equals("/reset") && ch instanceof Http2StreamChannel stream) {
                stream.writeAndFlush(new DefaultHttp2ResetFrame(Http2Error.INTERNAL_ERROR));
            } else if (path.equals("/goaway") && ch instanceof Http2StreamChannel stream) {
                // Graceful: no new streams after this one, which is still answered.
                stream.parent().writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR));
                DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer("bye", StandardCharsets.US_ASCII));
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 3);
                ch.writeAndFlush(response);
            } else {
                DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                        HttpResponseStatus.NOT_FOUND, Unpooled.EMPTY_BUFFER);
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
                ch.writeAndFlush(response);
            }
        }
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
