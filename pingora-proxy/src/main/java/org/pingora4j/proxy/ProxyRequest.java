package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.pingora4j.core.connectors.http.HttpConnector;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;
import org.pingora4j.core.protocols.http.ClientSession;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.protocols.http.ResponseHeader;
import org.pingora4j.core.upstreams.HttpPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note.
 *
 * Concurrency: everything here runs on the client connection's event loop. The try's exchange
 * (SessionExchange) hops to it when the upstream connection lives on another loop, so the fields need
 * no synchronisation.
 *
 * Phases: a phase's stage that is already complete (the common case) continues inline; only a
 * phase still running goes through the continuation machinery (RequestLoop.then), and the response
 * waits, paused, where it is meanwhile.
 *
 * Attempts: each try against an upstream has an id. Callbacks of an abandoned attempt (after an
 * error, a retry, or the end of the request) see a newer id and drop what they carry. The request
 * body is read from the client once: every part goes to the current attempt and, while the body is
 * at most 64 KiB, into the RetryBuffer, from which a retry replays it.
 *
 * Flow: both bodies are pushed, never pulled. A response part is written to the client as the
 * upstream read decodes it, and the end of that read flushes; when the client's outbound buffer is
 * over its high water mark, the exchange pauses (the upstream stops reading) until the client's
 * channel is writable again. The request body flows the same way in the other direction (ClientBody).
 *
 * Size: over the house's 600 lines because it is the request's one state machine (phases, tries,
 * retries, the end); what is not that state lives beside it: the try (UpstreamTry), the response
 * framing (DownstreamResponse), the body (ClientBody), the switch to a tunnel (Switchover).
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
    private final Downstream downstream;
    private final ProxyHttp<C> proxy;
    private final HttpConnector connector;
    private final EventLoop loop;
    private final HttpRequest request;
    private final Session session;
    private final boolean requestHasBody;
    private final boolean head;
    private final ClientBody body;
    /** The protocols the client asks to switch to ({@link UpgradeRequest}), or null. */
    private final String upgrade;
    /** The tunnel the connection became after a 101, or null. */
    private Tunnel tunnel;
    /** When the tunnel started: the request's latency, for the meters, ends there. */
    private long switchedNanos;

    private C ctx;
    private String phase = "request_filter";
    private int attemptId;
    private int retries;
    private boolean freshConnectionNext;
    private HttpPeer peer;
    private SessionExchange exchange;

    private boolean requestWriteStarted;

    private final DownstreamResponse response;
    private final RequestLoop requestLoop;
    private boolean finished;
    private boolean shed;
    private final String requestId;
    /** Whether anyone reads the request's times (the access log, the meters): else no clock is read. */
    private final boolean timed;
    private final long startNanos;
    /** When the current (at the end: the final) try started connecting; -1 before any try. */
    private long tryStartNanos = -1;
    /** When that try's exchange ended; -1 while it runs. */
    private long tryEndNanos = -1;

    ProxyRequest(ProxyService<C> service, Downstream downstream, HttpRequest request) {
        this.service = service;
        this.downstream = downstream;
        this.proxy = service.proxy();
        this.connector = service.connector();
        this.loop = downstream.channel().eventLoop();
        this.request = request;
        this.head = HttpMethod.HEAD.equals(request.method());
        this.requestHasBody = HttpUtil.isTransferEncodingChunked(request) || HttpUtil.getContentLength(request, 0L) > 0;
        this.upgrade = downstream instanceof DownstreamConnection<?> ? UpgradeRequest.protocols(request) : null;
        this.requestId = service.serverOptions().requestId() ? RequestIds.adopt(request.headers()) : null;
        this.timed = service.accessLog() != null || service.metrics() != ProxyMetrics.NONE;
        this.startNanos = now();
        this.session = new Session(this, new RequestHeader(request), downstream);
        this.body = new ClientBody(downstream, request, requestHasBody);
        this.response = new DownstreamResponse(downstream, request, downstream.mayServeMoreAfter(request));
        this.requestLoop = new RequestLoop(loop, connector, this, bug -> failFinal(PhaseResults.internal(phase, bug)));
    }

    boolean isHead() {
        return head;
    }

    boolean hasBody() {
        return requestHasBody;
    }

    /** Whether the client asked to switch protocols, in a way the proxy passes on ({@link UpgradeRequest}). */
    boolean upgradeRequested() {
        return upgrade != null;
    }

    /** Whether the connection became a tunnel after the origin's 101. */
    boolean switchedProtocols() {
        return tunnel != null;
    }

    ClientBody body() {
        return body;
    }

    /** The client's IP address, or null on a transport without one (in memory). */
    private InetSocketAddress clientAddress() {
        return downstream.channel().remoteAddress() instanceof InetSocketAddress ip ? ip : null;
    }

    // ---- for Session ----------------------------------------------------------------------------

    int retries() {
        return retries;
    }

    String requestId() {
        return requestId;
    }

    long requestBodyBytes() {
        return tunnel == null ? body.bytes() : tunnel.bytesFromClient();
    }

    long responseBodyBytes() {
        return tunnel == null ? response.bodyBytes() : tunnel.bytesToClient();
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
            tryStartNanos = now();
            tryEndNanos = -1;
            CompletableFuture<ClientSession> connecting = freshConnectionNext
                    ? connector.newSession(chosen, loop) : connector.getSession(chosen, loop);
            requestLoop.then(connecting, (got, connectError) -> {
                if (stale(id)) {
                    if (got != null) {
                        connector.releaseSession(got);
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
            // DEBUG: a refused connect is retried by default, and a dead origin must not cost a
            // line per try; the connector counts every failed connect, and a request that runs out
            // of tries gets its ERROR line with the number of tries.
            logger.debug("Retrying after failing to connect to {}: {} (try {})", peer, e.getMessage(), retries);
            attempt();
        } else {
            failFinal(e);
        }
    }

    private void connected(int id, ClientSession got) {
        UpstreamTry<C> attempt = new UpstreamTry<>(this, id);
        exchange = new SessionExchange(attempt, got, connector, loop);
        freshConnectionNext = false;
        requestWriteStarted = false;
        session.setUpstreamDigest(got.digest(), got.protocol());
        try {
            phase = "connected_to_upstream";
            proxy.connectedToUpstream(session, got.reused(), peer, got.digest(), ctx);
        } catch (RuntimeException | Error e) {
            proxyError(id, PhaseResults.asError(e, phase));
            return;
        }
        boolean upstreamH2 = "HTTP/2".equals(got.protocol());
        if (!upstreamH2 && isGrpcFromHttp2Client()) {
            // gRPC needs trailers and full duplex, which an HTTP/1.1 hop would silently lose:
            // pingora's H2Downgrade rule.
            proxyError(id, PingoraException.upstream(ErrorType.H2_DOWNGRADE, RetryType.NO,
                    "a gRPC request cannot go to " + peer + " over HTTP/1.1; give the peer Alpn.H2", null));
            return;
        }
        RequestHeader upstreamRequest = Framing.upstreamRequest(request, service.serverOptions(), clientAddress(), peer,
                "HTTP/2".equals(downstream.protocol()));
        if (upgrade != null && !upstreamH2) {
            // Hop-by-hop, so stripped with the others; an upgrade request is the one case where
            // the next hop must get them (RFC 9110 §7.8). HTTP/2 has no upgrade (RFC 9113 §8.6):
            // the origin gets an ordinary request and its answer is an ordinary response.
            upstreamRequest.headers().set(HttpHeaderNames.UPGRADE, upgrade);
            upstreamRequest.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE);
        }
        if (upstreamH2 && request.headers().containsValue(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS, true)) {
            // TE is hop-by-hop, but "trailers" is the one value HTTP/2 carries (RFC 9113 §8.2.2),
            // and gRPC requires it end to end.
            upstreamRequest.headers().set(HttpHeaderNames.TE, HttpHeaderValues.TRAILERS);
        }
        phase = "upstream_request_filter";
        onAttempt(id, PhaseResults.call(() -> proxy.upstreamRequestFilter(session, upstreamRequest, ctx)),
                "upstream_request_filter", v -> {
                    phase = "proxy";
                    requestWriteStarted = true;
                    attempt.send(exchange, upstreamRequest);
                });
    }

    /** An HTTP/2 client's gRPC call, which is never sent over HTTP/1.1. Asked only of an HTTP/1.1 try. */
    private boolean isGrpcFromHttp2Client() {
        if (!"HTTP/2".equals(downstream.protocol())) {
            return false;
        }
        String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
        return contentType != null && contentType.regionMatches(true, 0, "application/grpc", 0, 16);
    }

    /**
     * The try's exchange is over (its response ended): it leaves the request, and gives its
     * connection back; the stage completes once the connection is back in the pool.
     */
    CompletionStage<?> releaseExchange() {
        SessionExchange done = exchange;
        exchange = null;
        tryEndNanos = now();
        return done.release();
    }

    /** The client connection can take more again: the response flows on. */
    void downstreamWritable() {
        if (exchange != null && !finished) {
            exchange.resume();
        }
    }

    // ---- for the current try (UpstreamTry) ------------------------------------------------------

    Session session() {
        return session;
    }

    C ctx() {
        return ctx;
    }

    ProxyHttp<C> proxy() {
        return proxy;
    }

    ProxyService<C> service() {
        return service;
    }

    HttpPeer peer() {
        return peer;
    }

    Downstream downstream() {
        return downstream;
    }

    DownstreamResponse response() {
        return response;
    }

    RequestLoop requestLoop() {
        return requestLoop;
    }

    /** Names the phase now running, for errors and logs. */
    void phase(String name) {
        phase = name;
    }

    /** Returns whether try {@code id} is no longer the request's current one. */
    boolean stale(int id) {
        return id != attemptId || finished;
    }

    /** The request body the client sent was malformed: the try fails, and the client gets a 400. */
    void downstreamBodyFailed(PingoraException e) {
        failFinal(e);
    }

    // ---- failures -------------------------------------------------------------------------------

    /** A failure after connecting: pingora's {@code error_while_proxy}, then a retry or the end. */
    void proxyError(int id, PingoraException error) {
        if (stale(id) || finished) {
            return;
        }
        attemptId++;
        boolean reused = exchange != null && exchange.session().reused();
        PingoraException e = error;
        try {
            e = proxy.errorWhileProxy(peer, session, e, ctx, reused);
        } catch (RuntimeException | Error t) {
            e = PhaseResults.asError(t, "error_while_proxy");
        }
        boolean mayRetry = e.retryType() == RetryType.YES && !response.started() && !body.truncated()
                && retries < service.maxRetries() && !downstream.isClosed() && safeToSendAgain(e);
        releaseUpstream();
        if (mayRetry) {
            retries++;
            // The pooled connection died under us; its siblings may have died with it (an origin
            // restart, a load balancer's idle timer): try a fresh connection, not another pooled one.
            freshConnectionNext = reused;
            logger.warn("Retrying {} {} after {} on {} (try {})", request.method(), request.uri(), e.getMessage(), peer, retries);
            attempt();
        } else {
            failFinal(e);
        }
    }

    /**
     * Whether the request may be sent again after a failed attempt: nothing of it was written, the
     * origin provably did not process it (an HTTP/2 stream refused or above a GOAWAY), it is
     * idempotent (RFC 9110 §9.2.2), or the request opted in. A POST that reached the origin before
     * the connection died may have taken effect there; sending it twice is the client's call.
     */
    private boolean safeToSendAgain(PingoraException e) {
        return !requestWriteStarted || e.type() == ErrorType.H2_REFUSED
                || Idempotency.isIdempotent(request.method()) || session.retryNonIdempotent();
    }

    // ---- switching protocols (see Switchover) ------------------------------------------------------

    /** The try's session, while the try runs; null otherwise. */
    ClientSession upstreamSession() {
        return exchange == null ? null : exchange.session();
    }

    /** The connection became {@code joined}'s client side: the request lasts as long as the tunnel. */
    void tunnelStarted(Tunnel joined) {
        tunnel = joined;
        switchedNanos = now();
    }

    /** Both connections of the tunnel are closed: the request is over. On the loop. */
    void tunnelEnded(PingoraException error) {
        if (finished) {
            return;
        }
        attemptId++;
        releaseUpstream();
        finish(error);
    }

    /** The client went away: no response, the upstream connection kept only if reusable. */
    void downstreamClosed() {
        if (tunnel != null) {
            tunnel.close(); // the tunnel ends once the upstream side is closed too
            return;
        }
        if (response.clientHasWhole() && !finished) {
            // It closed after a response with no body left to send (its end was waiting for the
            // upstream connection to be back in the pool): the request was served.
            attemptId++;
            releaseUpstream();
            response.written();
            finish(null);
            return;
        }
        failFinal(PingoraException.downstream(ErrorType.CONNECTION_CLOSED, "client closed the connection", null));
    }

    /**
     * The service's budget for buffered client data ran out and this request's connection holds
     * the most: answered with {@code e} (503), and its connection closed. Logged by the budget,
     * once per pass, not here per request.
     */
    void shed(PingoraException e) {
        shed = true;
        failFinal(e);
    }

    /** A client-side timeout (a stalled upload or a client that does not read) ends the request. */
    void downstreamTimedOut(PingoraException e) {
        failFinal(e);
    }

    /** Ends the try; the connector pools its connection only if reusable. */
    private void releaseUpstream() {
        if (exchange != null) {
            SessionExchange ended = exchange;
            exchange = null;
            tryEndNanos = now();
            ended.release();
        }
    }

    /** A failure that ends the request: answer it if nothing was sent yet, then finish. */
    void failFinal(PingoraException e) {
        if (finished) {
            return;
        }
        attemptId++;
        if (!isAnswer(e)) {
            response.closeAfter();
        }
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

    void finish(PingoraException error) {
        if (finished) {
            return;
        }
        finished = true;
        attemptId++;
        body.release();
        boolean answer = isAnswer(error);
        if (answer) {
            service.failures().requestAnswered(error, session.errorStatus(), phase, request);
        } else if (error != null && tunnel != null) {
            // A tunnel's end by reset or idle timeout is how WebSockets end every day: no ERROR line.
            logger.debug("Tunnel for {} ended: {}", this, error.getMessage());
        } else if (error != null && !shed) {
            service.failures().requestFailed(error, session.errorStatus(), retries, phase, peer, request,
                    downstream.channel().remoteAddress());
        }
        try {
            proxy.logging(session, error, ctx);
        } catch (RuntimeException | Error e) {
            logger.warn("logging phase failed", e);
        }
        long end = now();
        AccessLog accessLog = service.accessLog();
        if (accessLog != null) {
            long upstreamNanos = tryStartNanos < 0 ? -1 : (tryEndNanos < 0 ? end : tryEndNanos) - tryStartNanos;
            accessLog.record(AccessLogEntry.of(session, request, clientAddress(), upstreamNanos, end - startNanos, error));
        }
        // A tunnel lives for minutes or hours: its request's latency is the handshake's, so that
        // WebSockets do not fill the top of the latency histogram.
        service.metrics().requestFinished(session, answer ? null : error, retries, (tunnel == null ? end : switchedNanos) - startNanos);
        service.requestFinished();
        // After an upgrade request the decoder keeps what follows undecoded, for a tunnel that
        // did not happen: the connection closes after the answer.
        boolean reuseClient = response.keepAlive() && response.done() && (error == null || answer) && !service.isStopping()
                && upgrade == null;
        downstream.requestFinished(reuseClient, body.done(), DRAIN_LIMIT);
    }

    // ---- helpers --------------------------------------------------------------------------------

    /** The clock, when the request's times are read by anyone; 0 otherwise. */
    private long now() {
        return timed ? System.nanoTime() : 0;
    }

    /**
     * Whether {@code e} is a phase's deliberate answer, {@code PingoraException.httpStatus} with a
     * status below 500 (an auth filter's 401 or 403, a router's 404): the request was served, not
     * failed. It keeps the client's connection, is logged at DEBUG and not counted as an error.
     */
    private static boolean isAnswer(PingoraException e) {
        return e != null && e.type() == ErrorType.HTTP_STATUS && e.httpStatus() < 500;
    }

    /** The final response is about to go out; a client still waiting for 100 Continue then loses its connection. */
    void forgoContinue() {
        if (requestHasBody && body.forgoContinue()) {
            response.closeAfter();
        }
    }

    /**
     * Continues attempt {@code id} with {@code next} once {@code stage} completes, on the request's
     * loop: a failure goes to {@link #proxyError} as a failure of {@code stepName}, and a result
     * that arrives after the attempt was abandoned is dropped (and released if reference counted).
     */
    <T> void onAttempt(int id, CompletionStage<T> stage, String stepName, Consumer<T> next) {
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
