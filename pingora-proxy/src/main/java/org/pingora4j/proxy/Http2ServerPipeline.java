package org.pingora4j.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http2.DefaultHttp2WindowUpdateFrame;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;

/**
 * Builds a client HTTP/2 connection's pipeline: Netty's frame codec, with header validation on
 * (pseudo-headers, lower-case names, no connection-specific fields, {@code te} only
 * {@code trailers}, {@code content-length} held to the DATA sent) and its protections against
 * abusive peers (rapid reset, CONTINUATION and control-frame floods, empty DATA frames); its
 * multiplexer, which gives each stream a child channel with the HTTP/1-object codec, a
 * {@link HeadCoalescer} and an {@link Http2StreamDownstream}; then the {@link Http2ServerConnection}.
 */
final class Http2ServerPipeline {

    private static final int CONNECTION_WINDOW_STREAMS = 16;
    private static final int INITIAL_WINDOW = 65_535;

    private Http2ServerPipeline() {
    }

    static <C> void install(Channel channel, ProxyService<C> service, boolean tls) {
        HttpServerOptions options = service.serverOptions();
        Http2Settings settings = Http2Settings.defaultSettings()
                .maxConcurrentStreams(options.h2MaxConcurrentStreams())
                .maxHeaderListSize(options.maxHeaderSize())
                .initialWindowSize(options.h2StreamWindow());
        Http2ServerConnection<C> connection = new Http2ServerConnection<>(service, tls);
        channel.pipeline()
                // Responses of many streams finish within one turn of the loop, each with its own
                // flush (they come from upstream reads, not from this connection's read, which
                // Netty would batch): gathered into one write per turn, not one send per stream.
                .addLast("pingora-h2-flush", new FlushConsolidationHandler(
                        FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true))
                .addLast("pingora-h2-codec", Http2FrameCodecBuilder.forServer()
                        .initialSettings(settings)
                        .validateHeaders(true)
                        .validateRequiredPseudoHeaders(true)
                        .gracefulShutdownTimeoutMillis(options.drainTimeout().toMillis())
                        .build())
                .addLast("pingora-h2-multiplex", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true, true),
                                new HeadCoalescer(), new Http2StreamDownstream<>(service, connection));
                    }
                }))
                .addLast("pingora-h2-connection", connection);
        // The connection's window is shared by its streams: at the protocol's 64 KiB, one stream
        // whose upstream stalls would hold it all and stop every other upload on the connection.
        // Sixteen streams' worth lets the others go on; what waits is held by the buffer budget.
        int growth = CONNECTION_WINDOW_STREAMS * options.h2StreamWindow() - INITIAL_WINDOW;
        channel.writeAndFlush(new DefaultHttp2WindowUpdateFrame(growth));
    }
}
