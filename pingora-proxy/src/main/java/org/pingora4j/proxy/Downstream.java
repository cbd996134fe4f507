package org.pingora4j.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.HttpObject;

/**
 * The client side of one request, whatever its protocol: an HTTP/1.1 connection for the time of
 * the request ({@link DownstreamConnection}), or one HTTP/2 stream ({@link Http2StreamDownstream}).
 * What the protocol-independent engine ({@link ProxyRequest}, {@link ClientBody},
 * {@link DownstreamResponse}) asks of the client. Mirrors pingora's server {@code Session} enum
 * ({@code H1 | H2}). Confined to the request's event loop.
 */
interface Downstream {

    /** The request's channel: the client connection (h1) or the stream's child channel (h2); its writability is the request's. */
    Channel channel();

    /** Whether the client came over TLS. */
    boolean tls();

    /** The protocol of the client's request: {@code "HTTP/1.1"} (or 1.0) or {@code "HTTP/2"}. */
    String protocol();

    /**
     * Whether the client's connection may serve another request after this one, as far as the
     * request and the options say (HTTP/1.1 keep-alive; always true for an HTTP/2 stream, whose
     * connection goes on regardless).
     */
    boolean mayServeMoreAfter(io.netty.handler.codec.http.HttpRequest request);

    /** Requests served so far on the client's connection, this one included. */
    int requests();

    /** Whether the client went away (or the stream ended). */
    boolean isClosed();

    /** Ends the request without a complete response: the h1 connection closes, the h2 stream is reset. */
    void close();

    /** Sends what was written without a flush. */
    void flush();

    /** Writes and flushes {@code message}; the future completes when it reached the socket. */
    ChannelFuture write(HttpObject message);

    /** Writes {@code message} without flushing. */
    void writeWithoutFlush(HttpObject message);

    /** Hands the request's body parts to {@code reader} as they arrive, while it wants them; null stops it. */
    void readBody(ClientBody reader);

    /** The request's body now holds {@code bytes} in memory (its retry copy, what waits upstream). */
    void requestBodyHolds(long bytes);

    /**
     * The request ended. {@code keepAlive}: the response went out whole and the client may send
     * more; {@code bodyDone}: the client sent its whole body. Whatever is left of the body is
     * drained up to {@code drainLimit} bytes (h1) or refused (h2: the stream is reset).
     */
    void requestFinished(boolean keepAlive, boolean bodyDone, long drainLimit);
}
