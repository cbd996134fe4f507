package org.pingora4j.core.services;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of {@link PrometheusService}, one per connection: pingora's
 * {@code PrometheusHttpApp}. Reads one request, answers it, and reads the next only once the answer
 * is written (auto-read is off), so a slow scrape holds up only its own connection.
 */
final class PrometheusHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger logger = LoggerFactory.getLogger(PrometheusHttpHandler.class);

    /** A scrape request has no body; anything larger is not one. */
    static final int MAX_REQUEST_BYTES = 8 * 1024;
    static final String PATH = "/metrics";
    static final String TEXT_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    static final String OPENMETRICS_CONTENT_TYPE = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final Executor scrapes;

    PrometheusHttpHandler(PrometheusMeterRegistry registry, Executor scrapes) {
        this.registry = registry;
        this.scrapes = scrapes;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.read();
        super.channelActive(ctx);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n", TEXT_CONTENT_TYPE, false, false);
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (!PATH.equals(path)) {
            respond(ctx, HttpResponseStatus.NOT_FOUND, "not found; metrics are at " + PATH + "\n",
                    TEXT_CONTENT_TYPE, keepAlive, false);
            return;
        }
        HttpMethod method = request.method();
        boolean head = HttpMethod.HEAD.equals(method);
        if (!HttpMethod.GET.equals(method) && !head) {
            FullHttpResponse refusal = response(HttpResponseStatus.METHOD_NOT_ALLOWED,
                    "only GET and HEAD\n", TEXT_CONTENT_TYPE, false);
            refusal.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            write(ctx, refusal, keepAlive);
            return;
        }
        String contentType = openMetricsAccepted(request.headers().get(HttpHeaderNames.ACCEPT))
                ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE;
        try {
            scrapes.execute(() -> scrape(ctx, contentType, keepAlive, head));
        } catch (RejectedExecutionException e) {
            respond(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "shutting down\n", TEXT_CONTENT_TYPE, false, false);
        }
    }

    /** On the scrape thread: a write from there is handed to the channel's loop by Netty. */
    private void scrape(ChannelHandlerContext ctx, String contentType, boolean keepAlive, boolean head) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            registry.scrape(out, contentType);
        } catch (IOException | RuntimeException e) {
            logger.warn("Prometheus scrape failed", e);
            respond(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed\n", TEXT_CONTENT_TYPE, keepAlive, false);
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(out.toByteArray()));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setContentLength(response, out.size());
        write(ctx, response, keepAlive);
    }

    /** Whether {@code accept} names OpenMetrics, as Prometheus' own scraper sends by default. */
    static boolean openMetricsAccepted(String accept) {
        return accept != null && accept.contains("application/openmetrics-text");
    }

    private static void respond(ChannelHandlerContext ctx, HttpResponseStatus status, String body, String contentType,
                                boolean keepAlive, boolean head) {
        write(ctx, response(status, body, contentType, head), keepAlive);
    }

    private static FullHttpResponse response(HttpResponseStatus status, String body, String contentType, boolean head) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ByteBuf content = head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(bytes);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        HttpUtil.setContentLength(response, bytes.length);
        return response;
    }

    private static void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(response).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess() && keepAlive) {
                ctx.read();
            } else {
                ctx.close();
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logger.debug("Prometheus endpoint connection failed", cause);
        ctx.close();
    }
}
