package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.pingora4j.core.connectors.http.Http1ClientSession;
import org.pingora4j.core.connectors.http.HttpConnector;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.protocols.http.ResponseHeader;
import org.pingora4j.core.upstreams.HttpPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note.
 *
 * Concurrency: everything here runs on the client connection's event loop. Upstream futures
 * complete on the upstream connection's loop (usually the same one, thanks to pool affinity); every
 * continuation hops back here (onLoop), so the fields need no synchronisation.
 *
 * Attempts: each try against an upstream has an id. Callbacks of an abandoned attempt (after an
 * error, a retry, or the end of the request) see a newer id and drop what they carry. The request
 * body is read from the client once: every chunk goes to the current attempt and, while the body is
 * at most 64 KiB, into the RetryBuffer, from which a retry replays it.
 *
 * Back-pressure: the request body pump asks the client for the next chunk only when the previous
 * one was written upstream; the response pump asks the upstream for the next chunk only when the
 * previous one was written to the client. At most one chunk per direction is in memory.
 */

/**
 * One client request through the proxy: pingora's {@code process_request} and
 * {@code proxy_to_upstream}, phase by phase, with retries, both bodies streamed, and exactly one
 * call to {@link ProxyHttp#logging} at the end.
 */
final class ProxyRequest<C> {

    private static final Logger logger = LoggerFactory.getLogger(ProxyRequest.class);

    /** How much of an unread request body is drained to keep the client connection. */
    private static final long DRAIN_LIMIT = 64 * 1024;

    private final ProxyService<C> service;
    private final DownstreamConnection<C> downstream;
    private final ProxyHttp<C> proxy;
    private final HttpConnector connector;
    private final EventLoop loop;
    private final HttpRequest request;
    private final Session session;
    private final boolean requestHasBody;
    private final boolean head;
    private final ClientBody body;

    private C ctx;
    private String phase = "request_filter";
    private int attemptId;
    private int retries;
    private boolean freshConnectionNext;
    private HttpPeer peer;
    private Http1ClientSession upstream;

    private boolean requestWriteStarted;
    private boolean requestSentUpstream;
    private long upstreamBodyLeft;

    private final DownstreamResponse response;
    private final RequestLoop requestLoop;
    private boolean finished;

    ProxyRequest(ProxyService<C> service, DownstreamConnection<C> downstream, HttpRequest request) {
        this.service = service;
        this.downstream = downstream;
        this.proxy = service.proxy();
        this.connector = service.connector();
        this.loop = downstream.channel().eventLoop();
        this.request = request;
        this.head = HttpMethod.HEAD.equals(request.method());
        this.requestHasBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        this.session = new Session(this, new RequestHeader(request), downstream);
        this.body = new ClientBody(downstream, request);
        HttpServerOptions options = service.serverOptions();
        boolean keepAlive = HttpUtil.isKeepAlive(request) && !options.keepaliveTimeout().isZero()
                && (options.keepaliveRequestLimit() == 0 || downstream.requests() < options.keepaliveRequestLimit());
        this.response = new DownstreamResponse(downstream, request, keepAlive);
        this.requestLoop = new RequestLoop(loop, connector, this, bug -> failFinal(PhaseResults.internal(phase, bug)));
    }

    boolean isHead() {
        return head;
    }

    private InetSocketAddress clientAddress() {
        return (InetSocketAddress) downstream.channel().remoteAddress();
    }

    // ---- for Session ----------------------------------------------------------------------------

    int retries() {
        return retries;
    }

    boolean retryBufferTruncated() {
        return body.truncated();
    }

    boolean responseStarted() {
        return response.started();
    }

    EventLoop loop() {
        return loop;
    }

    boolean isShuttingDown() {
        return service.isStopping();
    }

    /** Writes a whole response from a filter; see {@link Session#writeResponse}. On the loop. */
    CompletableFuture<Void> writeOwnResponse(ResponseHeader header, ByteBuf body) {
        if (!response.started()) {
            forgoContinue();
            session.setResponseHeader(header);
        }
        return response.writeOwn(header, body, service.isStopping());
    }

    // ---- the request's life ---------------------------------------------------------------------

    void start() {
        service.requestStarted();
        try {
            ctx = proxy.newCtx();
        } catch (RuntimeException | Error e) {
            failFinal(PhaseResults.asError(e, "newCtx"));
            return;
        }
        requestLoop.then(PhaseResults.call(() -> proxy.requestFilter(session, ctx)), (responded, error) -> {
            if (error != null) {
                failFinal(PhaseResults.asError(error, "request_filter"));
            } else if (Boolean.TRUE.equals(responded) || session.responseWritten()) {
                finishOwnResponse();
            } else {
                attempt();
            }
        });
    }

    private void finishOwnResponse() {
        CompletableFuture<Void> ownResponse = response.own();
        if (ownResponse == null) {
            failFinal(PingoraException.internal(ErrorType.INTERNAL_ERROR,
                    "requestFilter said it responded but wrote no response", null));
            return;
        }
        requestLoop.then(ownResponse, (v, error) -> finish(error == null ? null : PhaseResults.asError(error, "request_filter")));
    }

    private void attempt() {
        int id = ++attemptId;
        phase = "upstream_peer";
        requestLoop.then(PhaseResults.call(() -> proxy.upstreamPeer(session, ctx)), (chosen, error) -> {
            if (stale(id)) {
                return;
            }
            if (error != null) {
                failFinal(PhaseResults.asError(error, "upstream_peer"));
                return;
            }
            if (chosen == null) {
                failFinal(PingoraException.internal(ErrorType.INTERNAL_ERROR, "upstreamPeer completed with null", null));
                return;
            }
            peer = chosen;
            phase = "connect";
            CompletableFuture<Http1ClientSession> connecting = freshConnectionNext
                    ? connector.newHttpSession(chosen, loop) : connector.getHttpSession(chosen, loop);
            requestLoop.then(connecting, (got, connectError) -> {
                if (stale(id)) {
                    if (got != null) {
                        connector.releaseHttpSession(got);
                    }
                    return;
                }
                if (connectError != null) {
                    failedToConnect(PhaseResults.asError(connectError, "connect"));
                } else {
                    connected(id, got);
                }
            });
        });
    }

    private void failedToConnect(PingoraException error) {
        PingoraException e = error;
        try {
            e = proxy.failToConnect(session, peer, ctx, e);
        } catch (RuntimeException | Error t) {
            e = PhaseResults.asError(t, "fail_to_connect");
        }
        if (e.retryType() == RetryType.YES && retries < service.maxRetries()) {
            retries++;
            logger.warn("Retrying after failing to connect to {}: {} (try {})", peer, e.getMessage(), retries);
            attempt();
        } else {
            failFinal(e);
        }
    }

    private void connected(int id, Http1ClientSession got) {
        upstream = got;
        freshConnectionNext = false;
        requestWriteStarted = false;
        session.setUpstreamDigest(got.digest());
        body.restart();
        try {
            phase = "connected_to_upstream";
            proxy.connectedToUpstream(session, got.reused(), peer, got.digest(), ctx);
        } catch (RuntimeException | Error e) {
            proxyError(id, PhaseResults.asError(e, phase));
            return;
        }
        RequestHeader upstreamRequest = Framing.upstreamRequest(request, service.serverOptions(), clientAddress(), peer);
        phase = "upstream_request_filter";
        onAttempt(id, PhaseResults.call(() -> proxy.upstreamRequestFilter(session, upstreamRequest, ctx)),
                "upstream_request_filter", v -> writeUpstreamRequest(id, got, upstreamRequest));
    }

    /** Sends the request head, framed from what the filters left, then its body; reads the response meanwhile. */
    private void writeUpstreamRequest(int id, Http1ClientSession exchange, RequestHeader upstreamRequest) {
        phase = "proxy";
        try {
            upstreamBodyLeft = Framing.upstreamRequestBody(upstreamRequest.headers(), requestHasBody);
            if (!requestHasBody) {
                Framing.atEnd(upstreamBodyLeft, "the upstream request");
            }
        } catch (PingoraException e) {
            proxyError(id, e);
            return;
        }
        requestWriteStarted = true;
        onAttempt(id, exchange.writeRequestHeader(upstreamRequest.unwrap(), !requestHasBody),
                "write_request_header", written -> {
                    if (requestHasBody) {
                        pumpRequestBody(id, exchange);
                    } else {
                        requestSentUpstream = true;
                    }
                });
        if (!stale(id)) {
            readResponseHeader(id, exchange);
        }
    }

    // ---- request body ---------------------------------------------------------------------------

    private void pumpRequestBody(int id, Http1ClientSession exchange) {
        requestLoop.then(body.next(), (chunk, error) -> {
            if (stale(id) || upstream != exchange) {
                // The attempt ended, or the upstream answered in full before taking the whole body:
                // the rest of the body stays with the client (the connection closes after the response).
                if (chunk != null) {
                    chunk.data().release();
                }
                return;
            }
            if (error != null) {
                proxyError(id, PhaseResults.asError(error, "read_request_body"));
                return;
            }
            ByteBuf data;
            try {
                phase = "request_body_filter";
                ByteBuf filtered = proxy.requestBodyFilter(session, chunk.data(), chunk.last(), ctx);
                data = filtered == null ? Unpooled.EMPTY_BUFFER : filtered;
            } catch (RuntimeException | Error e) {
                proxyError(id, PhaseResults.asError(e, phase));
                return;
            }
            phase = "proxy";
            try {
                upstreamBodyLeft = Framing.afterWrite(upstreamBodyLeft, data.readableBytes(), "the upstream request");
                if (chunk.last()) {
                    Framing.atEnd(upstreamBodyLeft, "the upstream request");
                }
            } catch (PingoraException e) {
                data.release();
                proxyError(id, e);
                return;
            }
            onAttempt(id, exchange.writeRequestBody(data, chunk.last()), "write_request_body", v -> {
                if (chunk.last()) {
                    requestSentUpstream = true;
                } else {
                    pumpRequestBody(id, exchange);
                }
            });
        });
    }

    // ---- response -------------------------------------------------------------------------------

    private void readResponseHeader(int id, Http1ClientSession exchange) {
        onAttempt(id, exchange.readResponseHeader(), "read_response_header", upstreamResponse -> {
            int code = upstreamResponse.status().code();
            if (code >= 100 && code < 200) {
                if (code == 101) {
                    proxyError(id, PingoraException.upstream(ErrorType.H1_ERROR, RetryType.NO,
                            "upstream switched protocols, which is not proxied (" + peer + ")", null));
                } else {
                    readResponseHeader(id, exchange); // interim responses stay between proxy and upstream
                }
                return;
            }
            // Forwarded as is: the upstream session judged its connection's reuse when the head
            // arrived, so what the filters and the framing change here cannot affect it.
            ResponseHeader header = new ResponseHeader(upstreamResponse);
            HopByHop.strip(header.headers());
            try {
                phase = "upstream_response_filter";
                proxy.upstreamResponseFilter(session, header, ctx);
            } catch (RuntimeException | Error e) {
                proxyError(id, PhaseResults.asError(e, phase));
                return;
            }
            phase = "response_filter";
            onAttempt(id, PhaseResults.call(() -> proxy.responseFilter(session, header, ctx)), "response_filter", v -> {
                phase = "proxy";
                forgoContinue();
                if (requestHasBody && !requestSentUpstream) {
                    // An answer before the whole body: the rest of it is not forwarded, so the
                    // client connection cannot be reused after it.
                    response.closeAfter();
                }
                try {
                    response.writeUpstreamHead(header.unwrap(), service.serverOptions().via(), service.isStopping());
                } catch (PingoraException e) {
                    proxyError(id, e);
                    return;
                }
                session.setResponseHeader(header);
                pumpResponseBody(id, exchange);
            });
        });
    }

    private void pumpResponseBody(int id, Http1ClientSession exchange) {
        CompletableFuture<HttpContent> next = exchange.readResponseBody();
        if (!next.isDone()) {
            // Nothing of the body at hand yet: the head goes out at the end of this read at the latest.
            downstream.flushSoon();
        }
        onAttempt(id, next, "read_response_body", content -> {
            boolean last = content instanceof LastHttpContent;
            ByteBuf data;
            try {
                phase = "response_body_filter";
                ByteBuf filtered = proxy.responseBodyFilter(session, content.content(), last, ctx);
                data = filtered == null ? Unpooled.EMPTY_BUFFER : filtered;
            } catch (RuntimeException | Error e) {
                proxyError(id, PhaseResults.asError(e, phase));
                return;
            }
            phase = "proxy";
            if (last) {
                // The upstream exchange is over: give the connection back before the client sees the
                // end of the response, so that the client's next request finds it in the pool.
                upstream = null;
                requestLoop.then(connector.releaseHttpSession(exchange), (pooled, releaseError) -> {
                    if (stale(id)) {
                        data.release();
                        return;
                    }
                    writeResponseBody(id, exchange, data, true);
                });
                return;
            }
            writeResponseBody(id, exchange, data, false);
        });
    }

    private void writeResponseBody(int id, Http1ClientSession exchange, ByteBuf data, boolean last) {
        ChannelFuture write;
        try {
            write = response.writeBody(data, last);
        } catch (PingoraException e) {
            failFinal(e);
            return;
        }
        write.addListener(f -> requestLoop.run(() -> {
            if (stale(id)) {
                return;
            }
            if (!f.isSuccess()) {
                failFinal(DownstreamResponse.clientWriteFailed(f.cause()));
            } else if (last) {
                response.written();
                finish(null);
            } else {
                pumpResponseBody(id, exchange);
            }
        }));
    }

    // ---- failures -------------------------------------------------------------------------------

    /** A failure after connecting: pingora's {@code error_while_proxy}, then a retry or the end. */
    private void proxyError(int id, PingoraException error) {
        if (stale(id) || finished) {
            return;
        }
        attemptId++;
        boolean reused = upstream != null && upstream.reused();
        PingoraException e = error;
        try {
            e = proxy.errorWhileProxy(peer, session, e, ctx, reused);
        } catch (RuntimeException | Error t) {
            e = PhaseResults.asError(t, "error_while_proxy");
        }
        boolean mayRetry = e.retryType() == RetryType.YES && !response.started() && !body.truncated()
                && retries < service.maxRetries() && !downstream.isClosed() && safeToSendAgain();
        releaseUpstream();
        if (mayRetry) {
            retries++;
            // The pooled connection died under us; its siblings may have died with it (an origin
            // restart, a load balancer's idle timer): try a fresh connection, not another pooled one.
            freshConnectionNext = reused;
            body.restart();
            logger.warn("Retrying {} {} after {} on {} (try {})", request.method(), request.uri(), e.getMessage(), peer, retries);
            attempt();
        } else {
            failFinal(e);
        }
    }

    /**
     * Whether the request may be sent again after a failed attempt: nothing of it was written, it is
     * idempotent (RFC 9110 §9.2.2), or the request opted in. A POST that reached the origin before
     * the connection died may have taken effect there; sending it twice is the client's call.
     */
    private boolean safeToSendAgain() {
        return !requestWriteStarted || Idempotency.isIdempotent(request.method()) || session.retryNonIdempotent();
    }

    /** The client went away: no response, the upstream connection kept only if reusable. */
    void downstreamClosed() {
        failFinal(PingoraException.downstream(ErrorType.CONNECTION_CLOSED, "client closed the connection", null));
    }

    /** A client-side timeout (a stalled upload or a client that does not read) ends the request. */
    void downstreamTimedOut(PingoraException e) {
        failFinal(e);
    }

    /** Gives the upstream session back; the connector pools its connection only if reusable. */
    private void releaseUpstream() {
        if (upstream != null) {
            connector.releaseHttpSession(upstream);
            upstream = null;
        }
    }

    /** A failure that ends the request: answer it if nothing was sent yet, then finish. */
    private void failFinal(PingoraException e) {
        if (finished) {
            return;
        }
        attemptId++;
        response.closeAfter();
        releaseUpstream();
        // The client is gone, or part of the response already went out: nothing more can be said.
        if (downstream.isClosed() || response.started()) {
            downstream.close();
            finish(e);
            return;
        }
        requestLoop.then(PhaseResults.call(() -> proxy.failToProxy(session, e, ctx)), (status, error) -> {
            if (error != null) {
                logger.warn("failToProxy failed", error);
                downstream.close();
            }
            session.setErrorStatus(status == null ? 0 : status);
            CompletableFuture<Void> ownResponse = response.own();
            if (ownResponse != null) {
                requestLoop.then(ownResponse, (v, writeError) -> finish(e));
            } else {
                finish(e);
            }
        });
    }

    private void finish(PingoraException error) {
        if (finished) {
            return;
        }
        finished = true;
        attemptId++;
        body.release();
        if (error != null) {
            service.failures().requestFailed(error, session.errorStatus(), retries, phase, peer, request,
                    downstream.channel().remoteAddress());
        }
        try {
            proxy.logging(session, error, ctx);
        } catch (RuntimeException | Error e) {
            logger.warn("logging phase failed", e);
        }
        service.requestFinished();
        boolean reuseClient = response.keepAlive() && response.done() && error == null && !service.isStopping();
        if (!reuseClient || body.done()) {
            downstream.requestFinished(reuseClient);
            return;
        }
        downstream.drainBody(DRAIN_LIMIT).whenComplete((drained, e) ->
                downstream.requestFinished(Boolean.TRUE.equals(drained)));
    }

    // ---- helpers --------------------------------------------------------------------------------

    private boolean stale(int id) {
        return id != attemptId || finished;
    }

    /** The final response is about to go out; a client still waiting for 100 Continue then loses its connection. */
    private void forgoContinue() {
        if (requestHasBody && body.forgoContinue()) {
            response.closeAfter();
        }
    }

    /**
     * Continues attempt {@code id} with {@code next} once {@code stage} completes, on the request's
     * loop: a failure goes to {@link #proxyError} as a failure of {@code stepName}, and a result
     * that arrives after the attempt was abandoned is dropped (and released if reference counted).
     */
    private <T> void onAttempt(int id, CompletionStage<T> stage, String stepName, Consumer<T> next) {
        requestLoop.then(stage, (value, error) -> {
            if (stale(id)) {
                ReferenceCountUtil.release(value);
                return;
            }
            if (error != null) {
                proxyError(id, PhaseResults.asError(error, stepName));
                return;
            }
            next.accept(value);
        });
    }

    @Override
    public String toString() {
        return request.method() + " " + request.uri();
    }
}
