package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.protocols.http.ResponseHeader;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * The programmable part of an HTTP proxy: one method per phase of a request's life, in the order
 * they run. Mirrors pingora's {@code ProxyHttp} trait ({@code pingora-proxy/src/proxy_trait.rs}).
 * Implement {@link #newCtx()} and {@link #upstreamPeer}; every other phase has a documented default.
 *
 * <h2>Order</h2>
 * <pre>
 * newCtx → requestFilter ─(true: responded)──────────────────────────────┐
 *            │                                                           │
 *            ▼                                                           │
 *   ┌──► upstreamPeer → (connect) ─fail→ failToConnect ─retry?─┐          │
 *   │        │                                   │ no          │          │
 *   │        ▼                                   ▼             │          │
 *   │   connectedToUpstream → upstreamRequestFilter      failToProxy ─────┤
 *   │        → requestBodyFilter (per chunk)                   ▲          │
 *   │        → upstreamResponseFilter → responseFilter         │          │
 *   │        → responseBodyFilter (per chunk)                  │          │
 *   │        │ error                                           │          │
 *   │        ▼                                                 │          │
 *   └─retry─ errorWhileProxy ──────────── no retry ────────────┘          │
 *                                                                        ▼
 *                                                                     logging
 * </pre>
 *
 * <h2>Async model</h2>
 * A phase that may need I/O (service discovery, an auth call, a cache) returns a
 * {@link CompletionStage}; complete it whenever the work is done, never block. The other phases are
 * plain methods. Every phase of a request runs on that request's downstream event loop, one at a
 * time, so {@code CTX} needs no synchronisation. What a phase throws, or the exception a stage
 * completes with, fails the request: a {@link PingoraException} as it is, anything else as an
 * {@code INTERNAL_ERROR}.
 *
 * @param <C> the per-request context, pingora's {@code type CTX}
 */
public interface ProxyHttp<C> {

    /** A completed stage of {@code null}, for phases with nothing to wait for. */
    CompletionStage<Void> DONE = CompletableFuture.completedStage(null);

    /** A completed stage of {@code false}: {@link #requestFilter} did not respond. */
    CompletionStage<Boolean> CONTINUE = CompletableFuture.completedStage(false);

    /** A completed stage of {@code true}: {@link #requestFilter} responded itself. */
    CompletionStage<Boolean> RESPONDED = CompletableFuture.completedStage(true);

    /** Returns the context of a new request. Mirrors pingora's {@code new_ctx}. */
    C newCtx();

    /**
     * Decides what to do with a request before anything goes upstream; completes with
     * {@code true} if it answered the request itself (with {@link Session#respondError} or
     * {@link Session#writeResponse}), which ends it. Mirrors pingora's {@code request_filter}.
     * Default: continue.
     */
    default CompletionStage<Boolean> requestFilter(Session session, C ctx) {
        return CONTINUE;
    }

    /**
     * Returns where to send the request. Called again for each retry. Mirrors pingora's
     * {@code upstream_peer}.
     */
    CompletionStage<HttpPeer> upstreamPeer(Session session, C ctx);

    /**
     * Handles a failure to connect to {@code peer} (nothing was sent upstream). Return the error,
     * after {@code e.setRetry(true)} to try again from {@link #upstreamPeer}, perhaps another peer.
     * Mirrors pingora's {@code fail_to_connect}. Default: no retry.
     */
    default PingoraException failToConnect(Session session, HttpPeer peer, C ctx, PingoraException e) {
        return e;
    }

    /**
     * Told that an upstream connection, new or pooled, will carry the request. Mirrors pingora's
     * {@code connected_to_upstream}. Default: nothing.
     */
    default void connectedToUpstream(Session session, boolean reused, HttpPeer peer, Digest digest, C ctx) {
    }

    /**
     * Changes the request before it is sent upstream: a copy of the downstream request without
     * hop-by-hop headers. Mirrors pingora's {@code upstream_request_filter}. Default: nothing.
     */
    default CompletionStage<Void> upstreamRequestFilter(Session session, RequestHeader upstreamRequest, C ctx) {
        return DONE;
    }

    /**
     * Sees or replaces each chunk of the request body on its way upstream. Return the chunk to send
     * (the same one, or another, after releasing the one given); {@code endOfStream} marks the last.
     * Mirrors pingora's {@code request_body_filter}. Default: the chunk unchanged.
     */
    default ByteBuf requestBodyFilter(Session session, ByteBuf body, boolean endOfStream, C ctx) {
        return body;
    }

    /**
     * Changes the upstream's response head as it arrives. Mirrors pingora's
     * {@code upstream_response_filter}. Default: nothing.
     */
    default void upstreamResponseFilter(Session session, ResponseHeader upstreamResponse, C ctx) {
    }

    /**
     * Changes the response head before it is sent downstream. Mirrors pingora's
     * {@code response_filter}. Default: nothing.
     */
    default CompletionStage<Void> responseFilter(Session session, ResponseHeader response, C ctx) {
        return DONE;
    }

    /**
     * Sees or replaces each chunk of the response body on its way downstream, as
     * {@link #requestBodyFilter}. Mirrors pingora's {@code response_body_filter}. Default: unchanged.
     */
    default ByteBuf responseBodyFilter(Session session, ByteBuf body, boolean endOfStream, C ctx) {
        return body;
    }

    /**
     * Handles a failure after connecting (I/O, a filter). Return the error; its retry decision says
     * whether to try again from {@link #upstreamPeer}. Mirrors pingora's {@code error_while_proxy}.
     * Default: retry only a failure that happened on a reused connection before any response byte
     * ({@code REUSED_ONLY}), and only if the request body could be replayed (at most 64 KiB).
     */
    default PingoraException errorWhileProxy(HttpPeer peer, Session session, PingoraException e, C ctx,
                                             boolean clientReused) {
        return e.decideReuse(clientReused && !session.retryBufferTruncated());
    }

    /**
     * Answers a request that failed for good, if no response was sent yet, and returns the status
     * sent (0 for none). Mirrors pingora's {@code fail_to_proxy}. Default: the status that fits the
     * error (502 upstream, 504 upstream timeout, 400 bad request, 431 header too large, 500
     * internal; none if the client is gone), with an empty body and {@code Connection: close}.
     */
    default CompletionStage<Integer> failToProxy(Session session, PingoraException e, C ctx) {
        int status = ErrorStatus.of(e);
        if (status == 0 || session.responseWritten()) {
            return CompletableFuture.completedStage(0);
        }
        return session.respondError(status).thenApply(v -> status);
    }

    /**
     * Runs once per request at its very end, after success or failure ({@code error} is then
     * non-null): the place for access logs and metrics. Mirrors pingora's {@code logging}.
     * Default: nothing.
     */
    default void logging(Session session, PingoraException error, C ctx) {
    }
}
