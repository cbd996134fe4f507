package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.protocols.http.ResponseHeader;

/**
 * One try of a request against the upstream its phases chose, as the request sees it: the request
 * goes out framed from its final head, its body through {@code request_body_filter} and held to
 * that framing; the response comes back through {@code upstream_response_filter},
 * {@code response_filter} and {@code response_body_filter}, and is written to the client as it
 * arrives, paused while the client cannot take more. The body of pingora's {@code proxy_h1} loop.
 *
 * <p>Events of a try the request abandoned (a failure, a retry, the end) are dropped, and what they
 * carry released. Confined to the request's event loop.
 */
final class UpstreamTry<C> implements UpstreamExchange.Events {

    private final ProxyRequest<C> request;
    private final int id;
    private UpstreamExchange exchange;
    private long upstreamBodyLeft;
    private long sentAt;

    UpstreamTry(ProxyRequest<C> request, int id) {
        this.request = request;
        this.id = id;
    }

    /** Frames the upstream request from what the filters left, and sends it with its body. */
    void send(UpstreamExchange exchange, RequestHeader upstreamRequest) {
        this.exchange = exchange;
        boolean hasBody = request.hasBody();
        try {
            upstreamBodyLeft = Framing.upstreamRequestBody(upstreamRequest.headers(), hasBody);
            if (!hasBody) {
                Framing.atEnd(upstreamBodyLeft, "the upstream request");
            }
        } catch (PingoraException e) {
            request.proxyError(id, e);
            return;
        }
        sentAt = request.service().metrics().upstreamRequestSent();
        exchange.start(upstreamRequest.unwrap(), hasBody, request.body());
    }

    // ---- the request body, on its way out ----------------------------------------------------

    /** The request body filter, then the framing the head promised; releases {@code data} if it throws. */
    @Override
    public ByteBuf requestBodyPart(ByteBuf data, boolean last) {
        ByteBuf filtered;
        try {
            request.phase("request_body_filter");
            filtered = request.proxy().requestBodyFilter(request.session(), data, last, request.ctx());
        } catch (RuntimeException | Error e) {
            throw PhaseResults.asError(e, "request_body_filter");
        }
        request.phase("proxy");
        ByteBuf out = filtered == null ? Unpooled.EMPTY_BUFFER : filtered;
        try {
            upstreamBodyLeft = Framing.afterWrite(upstreamBodyLeft, out.readableBytes(), "the upstream request");
            if (last) {
                Framing.atEnd(upstreamBodyLeft, "the upstream request");
            }
        } catch (PingoraException e) {
            out.release();
            throw e;
        }
        return out;
    }

    // ---- the response, on its way back -------------------------------------------------------

    @Override
    public void responseHead(HttpResponse upstreamResponse) {
        if (request.stale(id)) {
            ReferenceCountUtil.release(upstreamResponse);
            return;
        }
        request.service().metrics().upstreamResponded(sentAt, request.peer());
        String switchedTo = null;
        if (upstreamResponse.status().code() == 101) {
            switchedTo = upstreamResponse.headers().get(HttpHeaderNames.UPGRADE);
            if (!request.upgradeRequested() || switchedTo == null || switchedTo.isBlank()) {
                ReferenceCountUtil.release(upstreamResponse);
                request.proxyError(id, PingoraException.upstream(ErrorType.H1_ERROR, RetryType.NO, (switchedTo == null
                        ? "upstream answered 101 without an Upgrade field (" : "upstream answered 101 to a request that did not ask to upgrade (")
                        + request.peer() + ")", null));
                return;
            }
            // Nothing more from the session until the switch: the next bytes are the new protocol's.
            exchange.pause();
        }
        // Forwarded as is: the upstream session judged its connection's reuse when the head
        // arrived, so what the filters and the framing change here cannot affect it.
        ResponseHeader header = new ResponseHeader(upstreamResponse);
        HopByHop.strip(header.headers());
        ProxyHttp<C> proxy = request.proxy();
        try {
            request.phase("upstream_response_filter");
            proxy.upstreamResponseFilter(request.session(), header, request.ctx());
        } catch (RuntimeException | Error e) {
            request.proxyError(id, PhaseResults.asError(e, "upstream_response_filter"));
            return;
        }
        request.phase("response_filter");
        CompletionStage<Void> filtered = PhaseResults.call(() -> proxy.responseFilter(request.session(), header, request.ctx()));
        if (switchedTo != null) {
            String protocol = switchedTo;
            request.onAttempt(id, filtered, "response_filter", v -> Switchover.run(request, id, header, protocol));
            return;
        }
        if (PhaseResults.succeeded(filtered)) {
            writeHead(header);
            return;
        }
        // The phase goes on asynchronously: the response waits where it is meanwhile.
        exchange.pause();
        request.onAttempt(id, filtered, "response_filter", v -> {
            if (writeHead(header)) {
                exchange.resume();
            }
        });
    }

    private boolean writeHead(ResponseHeader header) {
        request.phase("proxy");
        request.forgoContinue();
        DownstreamResponse response = request.response();
        if (request.hasBody() && !exchange.requestEnded()) {
            // An answer before the whole body: the rest of it is not forwarded, so the client
            // connection cannot be reused after it.
            response.closeAfter();
        }
        ProxyService<C> service = request.service();
        try {
            response.writeUpstreamHead(header.unwrap(), service.serverOptions().via(),
                    request.session().upstreamProtocol(), service.isStopping());
        } catch (PingoraException e) {
            request.proxyError(id, e);
            return false;
        }
        request.session().setResponseHeader(header);
        return true;
    }

    @Override
    public void responseBody(HttpContent content, boolean last) {
        if (request.stale(id)) {
            content.release();
            return;
        }
        ByteBuf data;
        try {
            request.phase("response_body_filter");
            ByteBuf filtered = request.proxy().responseBodyFilter(request.session(), content.content(), last, request.ctx());
            data = filtered == null ? Unpooled.EMPTY_BUFFER : filtered;
        } catch (RuntimeException | Error e) {
            request.proxyError(id, PhaseResults.asError(e, "response_body_filter"));
            return;
        }
        request.phase("proxy");
        HttpHeaders trailers = last && content instanceof LastHttpContent end ? end.trailingHeaders() : null;
        if (last) {
            // The exchange is over: its connection goes back before the client sees the end of the
            // response, so that the client's next request finds it in the pool.
            CompletionStage<?> released = request.releaseExchange();
            if (!PhaseResults.succeeded(released)) {
                // It lives on another loop: the end waits until it is back in the pool.
                request.requestLoop().then(released, (pooled, error) -> {
                    if (request.stale(id)) {
                        data.release();
                    } else {
                        writeBody(data, true, trailers);
                    }
                });
                return;
            }
        }
        writeBody(data, last, trailers);
    }

    private void writeBody(ByteBuf data, boolean last, HttpHeaders trailers) {
        Downstream downstream = request.downstream();
        ChannelFuture write;
        try {
            write = request.response().writeBody(data, last, trailers);
        } catch (PingoraException e) {
            request.failFinal(e);
            return;
        }
        if (!last) {
            if (!downstream.channel().isWritable()) {
                // Unflushed bytes count toward the water mark: send them, and hold the response
                // only if the client still cannot take more (its writability resumes it).
                downstream.flush();
                if (!downstream.channel().isWritable()) {
                    exchange.pause();
                }
            }
            return;
        }
        write.addListener(f -> request.requestLoop().run(() -> {
            if (request.stale(id)) {
                return;
            }
            if (!f.isSuccess() && !request.response().endIsFormality()) {
                request.failFinal(DownstreamResponse.clientWriteFailed(f.cause()));
            } else {
                request.response().written();
                request.finish(null);
            }
        }));
    }

    @Override
    public void responseReadComplete() {
        if (!request.stale(id)) {
            request.downstream().flush();
        }
    }

    @Override
    public void failed(PingoraException error) {
        request.proxyError(id, error);
    }
}
