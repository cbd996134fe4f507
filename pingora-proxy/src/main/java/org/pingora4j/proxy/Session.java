package org.pingora4j.proxy;

import io.netty.channel.Channel;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.protocols.http.ResponseHeader;

/**
 * One request as the phases of {@link ProxyHttp} see it: the client's request, the upstream
 * connection's digest, and ways to answer the request directly. Mirrors pingora's proxy
 * {@code Session} (and the parts of the server {@code HttpSession} it derefs to).
 *
 * <p>Phases run on the request's event loop. A continuation on another thread (an auth call's
 * callback, say) may still call {@link #respondError} and {@link #writeResponse}: they hop to the
 * request's loop. The getters read state that only that loop writes; call them from the phases.
 */
public final class Session {

    private final ProxyRequest<?> request;
    private final RequestHeader requestHeader;
    private final Downstream downstream;
    private final int downstreamRequestNumber;
    private Digest upstreamDigest;
    private String upstreamProtocol;
    private ResponseHeader responseHeader;
    private int errorStatus;
    private boolean retryNonIdempotent;

    Session(ProxyRequest<?> request, RequestHeader requestHeader, Downstream downstream) {
        this.request = request;
        this.requestHeader = requestHeader;
        this.downstream = downstream;
        this.downstreamRequestNumber = downstream.requests();
    }

    /** Returns the client's request head, which filters may change. Mirrors pingora's {@code req_header()}. */
    public RequestHeader reqHeader() {
        return requestHeader;
    }

    /**
     * Returns the digest of the upstream connection the request used (the latest one, after
     * retries): {@code upstreamDigest().reused()} says whether it came from the pool. Null until a
     * connection was obtained. Mirrors the digest pingora hands {@code connected_to_upstream}.
     */
    public Digest upstreamDigest() {
        return upstreamDigest;
    }

    /**
     * Returns the protocol the client's request came over: {@code "HTTP/1.1"} or {@code "HTTP/2"}.
     * Every phase runs the same for both; this is for logs and for logic that must tell them apart.
     */
    public String downstreamProtocol() {
        return downstream.protocol();
    }

    /**
     * Returns the protocol that carried the request to the upstream (the latest try):
     * {@code "HTTP/1.1"} or {@code "HTTP/2"}; null until a connection was obtained. With
     * {@link Alpn#H2H1} it says what the origin agreed to. Mirrors asking pingora's
     * {@code HttpSession} which variant it is.
     */
    public String upstreamProtocol() {
        return upstreamProtocol;
    }

    /**
     * Returns the client's address, or null on a transport without IP addresses (the in-memory one
     * of tests and benchmarks). Mirrors pingora's {@code client_addr()}.
     */
    public InetSocketAddress clientAddr() {
        return downstream.channel().remoteAddress() instanceof InetSocketAddress ip ? ip : null;
    }

    /**
     * Returns the address the client connected to, or null on a transport without IP addresses.
     * Mirrors pingora's {@code server_addr()}.
     */
    public InetSocketAddress serverAddr() {
        return downstream.channel().localAddress() instanceof InetSocketAddress ip ? ip : null;
    }

    /** Returns whether the client connected over TLS. */
    public boolean isTls() {
        return downstream.tls();
    }

    /** Returns which request on the client connection this is, from 1 (keep-alive reuse). */
    public int downstreamRequestNumber() {
        return downstreamRequestNumber;
    }

    /** Returns how many times the request was retried so far. */
    public int retries() {
        return request.retries();
    }

    /** Returns whether the request body grew past what a retry can replay (64 KiB). */
    public boolean retryBufferTruncated() {
        return request.retryBufferTruncated();
    }

    /** Returns whether the server is shutting down. Mirrors pingora's {@code is_process_shutting_down}. */
    public boolean isProcessShuttingDown() {
        return request.isShuttingDown();
    }

    /** Returns whether a response head was sent to the client. Mirrors pingora's {@code response_written()}. */
    public boolean responseWritten() {
        return request.responseStarted();
    }

    /** Returns the response head sent to the client, or null. */
    public ResponseHeader responseHeader() {
        return responseHeader;
    }

    /**
     * Returns the request's id: its {@code X-Request-Id}, else its {@code traceparent}'s trace id,
     * else a generated one (see {@link HttpServerOptions#requestId()}); null when that is off. Sent
     * upstream, and written in the access log.
     */
    public String requestId() {
        return request.requestId();
    }

    /**
     * Returns the certificate the client presented on a TLS listener that asks for one
     * ({@code TlsSettings.clientAuth}), verified against the listener's client CA; null on a plain
     * connection, or when the client sent none (optional client authentication). Its subject is the
     * client's identity ({@code getSubjectX500Principal()}, {@code getSubjectAlternativeNames()}).
     */
    public X509Certificate clientCertificate() {
        Channel channel = downstream.channel();
        SslHandler tls = channel.pipeline().get(SslHandler.class);
        if (tls == null && channel.parent() != null) {
            tls = channel.parent().pipeline().get(SslHandler.class); // an HTTP/2 stream: its connection's
        }
        if (tls == null) {
            return null;
        }
        try {
            Certificate[] chain = tls.engine().getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? leaf : null;
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
    }

    /**
     * Returns whether the client asked to switch protocols (a WebSocket handshake, say): an HTTP/1.1
     * request with an {@code Upgrade} field, the {@code upgrade} option in {@code Connection}, no
     * body, and not to {@code h2c}. Pingora's {@code is_upgrade_req}. Such a request is passed on with
     * both fields; a {@code requestFilter} that answers it instead refuses the upgrade. If the origin
     * answers {@code 101} the connection becomes a byte tunnel until either side is done; any other
     * answer is an ordinary response, after which the client connection closes.
     */
    public boolean isUpgradeRequest() {
        return request.upgradeRequested();
    }

    /**
     * Returns whether the origin switched protocols (101) and the connection became a tunnel. In
     * {@code logging}, {@link #requestBodyBytes()} and {@link #responseBodyBytes()} are then the
     * bytes the tunnel carried from and to the client.
     */
    public boolean switchedProtocols() {
        return request.switchedProtocols();
    }

    /** Returns the request body bytes read from the client so far. */
    public long requestBodyBytes() {
        return request.requestBodyBytes();
    }

    /** Returns the response body bytes sent to the client so far (handed to its connection). */
    public long responseBodyBytes() {
        return request.responseBodyBytes();
    }

    /** Returns the status of the error response sent by {@code failToProxy}, 0 if none. */
    public int errorStatus() {
        return errorStatus;
    }

    /**
     * Answers the request with {@code status}, no body and {@code Cache-Control: private, no-store}.
     * Mirrors pingora's {@code respond_error}.
     */
    public CompletionStage<Void> respondError(int status) {
        ResponseHeader header = ResponseHeader.build(status);
        header.insertHeader(HttpHeaderNames.CACHE_CONTROL, "private, no-store");
        return writeResponse(header, null);
    }

    /**
     * Answers the request from a phase with {@code status} and {@code text} (UTF-8,
     * {@code Content-Type: text/plain; charset=utf-8}), and says so to {@code requestFilter}: the
     * stage completes with true once the answer is written. No {@code ByteBuf}, no stage conversion:
     * <pre>{@code
     * public CompletionStage<Boolean> requestFilter(Session session, Ctx ctx) {
     *     if (session.reqHeader().header("Authorization") == null) {
     *         return session.respond(401, "sign in first\n");
     *     }
     *     return CONTINUE;
     * }
     * }</pre>
     * A pingora4j convenience over pingora's {@code respond_error_with_body}.
     *
     * @throws IllegalArgumentException if {@code status} is not 100..999
     */
    public CompletionStage<Boolean> respond(int status, String text) {
        return respond(status, text == null ? null : text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8");
    }

    /**
     * As {@link #respond(int, String)}, with bytes of {@code contentType} (null: no
     * {@code Content-Type}); {@code body} null for none.
     */
    public CompletionStage<Boolean> respond(int status, byte[] body, String contentType) {
        ResponseHeader header = ResponseHeader.build(status);
        if (contentType != null) {
            header.insertHeader(HttpHeaderNames.CONTENT_TYPE, contentType);
        }
        return respond(header, body);
    }

    /**
     * As {@link #respond(int, String)}, with a head of the caller's (any headers; Content-Length is
     * set from {@code body}); {@code body} null for none.
     * <pre>{@code
     * ResponseHeader moved = ResponseHeader.build(301).insertHeader("Location", "https://example.com/");
     * return session.respond(moved, null);
     * }</pre>
     */
    public CompletionStage<Boolean> respond(ResponseHeader header, byte[] body) {
        ByteBuf content = body == null || body.length == 0 ? null : Unpooled.wrappedBuffer(body);
        return writeResponse(header, content).thenApply(v -> Boolean.TRUE);
    }

    /**
     * Answers the request with {@code header} and {@code body} (owned by the session from now on;
     * null for none), setting Content-Length. Mirrors pingora's {@code write_response_header} plus
     * {@code write_response_body}.
     */
    public CompletionStage<Void> writeResponse(ResponseHeader header, ByteBuf body) {
        EventLoop loop = request.loop();
        if (loop.inEventLoop()) {
            return request.writeOwnResponse(header, body);
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        try {
            loop.execute(() -> request.writeOwnResponse(header, body).whenComplete((v, e) -> {
                if (e != null) {
                    written.completeExceptionally(e);
                } else {
                    written.complete(null);
                }
            }));
        } catch (RejectedExecutionException e) {
            if (body != null) {
                body.release();
            }
            written.completeExceptionally(new IllegalStateException("the request's event loop is shut down", e));
        }
        return written;
    }

    /**
     * Lets the request be sent again after its upstream connection failed even though it is not
     * idempotent and part of it was already written (by default only GET, HEAD, OPTIONS, TRACE, PUT
     * and DELETE are, RFC 9110 §9.2.2): for a POST the origin handles idempotently, e.g. with an
     * idempotency key. Mirrors the retry decision pingora leaves to {@code error_while_proxy}.
     */
    public void setRetryNonIdempotent(boolean allowed) {
        retryNonIdempotent = allowed;
    }

    /** Returns whether {@link #setRetryNonIdempotent} allowed retrying this request. */
    public boolean retryNonIdempotent() {
        return retryNonIdempotent;
    }

    void setUpstreamDigest(Digest digest, String protocol) {
        upstreamDigest = digest;
        upstreamProtocol = protocol;
    }

    void setResponseHeader(ResponseHeader header) {
        responseHeader = header;
    }

    void setErrorStatus(int status) {
        errorStatus = status;
    }

    @Override
    public String toString() {
        return "Session(" + requestHeader + ", client=" + clientAddr() + ')';
    }
}
