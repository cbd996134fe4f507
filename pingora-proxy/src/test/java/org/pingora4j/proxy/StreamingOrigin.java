package org.pingora4j.proxy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
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
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An origin that never holds a body: it counts the request body as it streams in, then streams
 * back {@code ?respond=N} bytes, writing each 64 KiB chunk when the previous one left. For testing
 * that bodies of any size pass the proxy in bounded memory.
 */
final class StreamingOrigin implements AutoCloseable {

    private static final byte[] CHUNK = new byte[64 * 1024];

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Channel server;

    StreamingOrigin() throws InterruptedException {
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new Handler());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    }

    String address() {
        return "127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort();
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Handler extends SimpleChannelInboundHandler<HttpObject> {
        private long received;
        private long toSend;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
            if (msg instanceof HttpRequest request) {
                received = 0;
                List<String> respond = new QueryStringDecoder(request.uri()).parameters().get("respond");
                toSend = respond == null ? 0 : Long.parseLong(respond.get(0));
            }
            if (msg instanceof HttpContent content) {
                received += content.content().readableBytes();
                if (content instanceof LastHttpContent) {
                    HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                    response.headers().set(HttpHeaderNames.CONTENT_LENGTH, toSend).set("X-Received", received);
                    ctx.write(response);
                    sendMore(ctx, toSend);
                }
            }
        }

        private void sendMore(ChannelHandlerContext ctx, long remaining) {
            if (remaining == 0) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
                return;
            }
            int n = (int) Math.min(CHUNK.length, remaining);
            ByteBuf chunk = Unpooled.wrappedBuffer(CHUNK, 0, n);
            ctx.writeAndFlush(new DefaultHttpContent(chunk)).addListener(f -> {
                if (f.isSuccess()) {
                    sendMore(ctx, remaining - n);
                } else {
                    ctx.close();
                }
            });
        }
    }
}
