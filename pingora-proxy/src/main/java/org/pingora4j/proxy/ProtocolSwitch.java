package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * Decides a new client connection's protocol, installs its handlers after itself, and leaves:
 * Pingora's {@code apps/http_app.rs} choice. On TLS, the protocol ALPN agreed ({@code h2} or
 * anything else, which is HTTP/1.1). On a plain listener that accepts h2c, the first bytes: the
 * HTTP/2 connection preface ({@code PRI * HTTP/2.0...}, RFC 9113 §3.4) means HTTP/2, anything that
 * departs from it means HTTP/1.1, so both share a port; at most 24 bytes are looked at. What
 * arrived meanwhile is handed to the installed handlers, then the connection's start.
 */
final class ProtocolSwitch extends ChannelInboundHandlerAdapter {

    /** Installs a protocol's handlers at the end of the pipeline. */
    interface Installer {
        void install(io.netty.channel.Channel channel, boolean tls, boolean h2);
    }

    private static final ByteBuf PREFACE = Http2CodecUtil.connectionPrefaceBuf();

    private final Installer installer;
    private final boolean tls;
    private final ArrayDeque<Object> early = new ArrayDeque<>(2);
    private ByteBuf sniffed;
    private boolean decided;

    /**
     * Before a protocol is chosen, a failure is the handshake's: a client that speaks no TLS, one
     * whose certificate does not verify, one that gives up. That is the client's doing and can be
     * repeated at will, so it is a DEBUG line, not a WARN with a stack trace per connection.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (decided) {
            ctx.fireExceptionCaught(cause);
            return;
        }
        org.slf4j.LoggerFactory.getLogger(ProtocolSwitch.class)
                .debug("Client connection {} failed before its protocol was chosen: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    ProtocolSwitch(Installer installer, boolean tls) {
        this.installer = installer;
        this.tls = tls;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        // Held back until the protocol's handlers are in place; reading starts now to find out.
        ctx.channel().config().setAutoRead(true);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (tls && !decided && evt instanceof SslHandshakeCompletionEvent done) {
            if (!done.isSuccess()) {
                ctx.close();
                return;
            }
            decide(ctx, "h2".equals(agreed(ctx.pipeline().get(SslHandler.class))));
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (decided) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (tls || !(msg instanceof ByteBuf bytes)) {
            early.add(msg);
            return;
        }
        if (sniffed == null) {
            sniffed = ctx.alloc().buffer(PREFACE.readableBytes());
        }
        int take = Math.min(bytes.readableBytes(), PREFACE.readableBytes() - sniffed.readableBytes());
        sniffed.writeBytes(bytes, bytes.readerIndex(), take);
        early.add(msg);
        int n = sniffed.readableBytes();
        boolean matches = ByteBufUtil.equals(sniffed, 0, PREFACE, 0, n);
        if (!matches) {
            decide(ctx, false);
        } else if (n == PREFACE.readableBytes()) {
            decide(ctx, true);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        releaseEarly();
        if (decided) {
            ctx.fireChannelInactive();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (sniffed != null) {
            sniffed.release();
            sniffed = null;
        }
    }

    /**
     * The protocol ALPN agreed: Netty's accessor when Netty configured ALPN, else the engine's own
     * (a Conscrypt engine whose protocols were set on it directly).
     */
    private static String agreed(SslHandler ssl) {
        String viaNetty = ssl.applicationProtocol();
        if (viaNetty != null) {
            return viaNetty;
        }
        try {
            return ssl.engine().getApplicationProtocol();
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    private void decide(ChannelHandlerContext ctx, boolean h2) {
        decided = true;
        installer.install(ctx.channel(), tls, h2);
        ctx.fireChannelActive();
        for (Object msg = early.poll(); msg != null; msg = early.poll()) {
            ctx.fireChannelRead(msg);
        }
        ctx.fireChannelReadComplete();
        ctx.pipeline().remove(this);
    }

    private void releaseEarly() {
        for (Object msg = early.poll(); msg != null; msg = early.poll()) {
            ReferenceCountUtil.release(msg);
        }
    }
}
