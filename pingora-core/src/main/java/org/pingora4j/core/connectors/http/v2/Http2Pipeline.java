package org.pingora4j.core.connectors.http.v2;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.util.ReferenceCountUtil;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.PeerOptions;

/**
 * Builds an upstream HTTP/2 connection's pipeline: Netty's frame codec (RFC 9113 framing, HPACK,
 * flow control, header validation, its limits on abusive frames), its multiplexer (one child
 * channel per stream), then the {@link Http2Connection} for the connection-level frames.
 */
final class Http2Pipeline {

    static final String FLUSH = "pingora-h2-flush";
    static final String CODEC = "pingora-h2-codec";
    static final String MULTIPLEX = "pingora-h2-multiplex";
    static final String CONNECTION = "pingora-h2-connection";
    /** The largest header list accepted from the origin: as the HTTP/1.1 side's limits, 64 KiB. */
    static final long MAX_HEADER_LIST = 64 * 1024;
    /** The protocol's initial connection window (RFC 9113 §6.9.2). */
    private static final int INITIAL_WINDOW = 65_535;

    private Http2Pipeline() {
    }

    static void install(Channel channel, HttpPeer peer, Http2Connection connection) {
        PeerOptions options = peer.options();
        Http2Settings settings = Http2Settings.defaultSettings()
                .pushEnabled(false)
                .initialWindowSize(options.h2StreamWindow())
                .maxHeaderListSize(MAX_HEADER_LIST);
        Http2FrameCodec codec = Http2FrameCodecBuilder.forClient()
                .initialSettings(settings)
                .validateHeaders(true)
                .validateRequiredPseudoHeaders(true)
                .build();
        ChannelPipeline pipeline = channel.pipeline();
        // Requests of many streams go out within one turn of the loop, each flushed on its own:
        // one write per turn instead of one send per stream.
        pipeline.addLast(FLUSH, new FlushConsolidationHandler(FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
        pipeline.addLast(CODEC, codec);
        pipeline.addLast(MULTIPLEX, new Http2MultiplexHandler(new RefusePushes()));
        pipeline.addLast(CONNECTION, connection);
        int connectionWindowGrowth = options.h2ConnectionWindow() - INITIAL_WINDOW;
        if (connectionWindowGrowth > 0) {
            channel.write(new DefaultHttp2WindowUpdateFrame(connectionWindowGrowth));
        }
        channel.flush();
        // HTTP/2 is flow controlled per stream: the connection itself always reads.
        channel.config().setAutoRead(true);
    }

    /** Server push is disabled in our SETTINGS; a stream the origin opens anyway is closed. */
    @io.netty.channel.ChannelHandler.Sharable
    private static final class RefusePushes extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRegistered(ChannelHandlerContext ctx) {
            ctx.channel().close();
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
        }
    }
}
