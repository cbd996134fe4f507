package org.pingora4j.core.protocols.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * One request/response exchange with an upstream, whatever the wire protocol: a whole HTTP/1.1
 * connection for the time of the request, or one HTTP/2 stream of a shared connection. Mirrors
 * pingora's client {@code HttpSession} enum ({@code H1 | H2}); the connector that hands it out
 * ({@code HttpConnector.getSession}) decides the protocol, and {@link #asHttp1()} is pingora's
 * {@code as_http1}.
 *
 * <p>Push-driven, the proxy's way: {@link #streamResponse} hands each response part to a
 * {@link ResponseListener} as it arrives, and the request is written with {@link #sendRequestHead}
 * and {@link #sendRequestBody} without a future per part. Every method but the plain getters is
 * called on {@link #eventLoop()}, and every listener call arrives there.
 *
 * <p>Messages use Netty's HTTP/1 object model on both protocols: an HTTP/2 stream's frames are
 * translated (RFC 9113 §8.2.3 and §8.3: {@code :authority} and {@code Host}, cookies, trailers),
 * so code above this interface never sees a frame.
 */
public interface ClientSession {

    /**
     * Receives a response as it is read (push mode). Every call comes on the session's
     * {@linkplain ClientSession#eventLoop() event loop}, in order, and none after
     * {@link #onFailure} or after the last body part; none either once the session was released.
     */
    interface ResponseListener {

        /** The final response head (interim 1xx responses are skipped; a 101 arrives here). */
        void onResponseHead(HttpResponse head);

        /**
         * A part of the body, owned by the listener from now on; {@code last} ends the response. The
         * last part carries the trailers, if any ({@code LastHttpContent.trailingHeaders()}).
         */
        void onResponseBody(HttpContent content, boolean last);

        /** The exchange failed: nothing more arrives. */
        void onFailure(PingoraException error);

        /** A read finished: what the parts just delivered produced can be flushed now, in one write. */
        default void onReadComplete() {
        }

        /** The session, unwritable after a request body write, can take more (water marks, flow control). */
        default void onWritable() {
        }
    }

    /** Returns the connection's digest; {@code digest().reused()} says whether the request rode an existing connection. */
    Digest digest();

    /** Returns whether the request rides a connection that existed before it (pooled, or shared by HTTP/2 streams). */
    default boolean reused() {
        return digest().reused();
    }

    /** Returns the peer of the request this session serves; its timeouts apply to the session. */
    HttpPeer peer();

    /** Returns the event loop the session lives on. */
    EventLoop eventLoop();

    /** Returns the protocol that carries the request: {@code "HTTP/1.1"} or {@code "HTTP/2"}. */
    String protocol();

    /** Returns this session as HTTP/1.1 (pingora's {@code as_http1}), or null if it is another protocol. */
    default org.pingora4j.core.connectors.http.v1.Http1ClientSession asHttp1() {
        return null;
    }

    /**
     * Streams the response to {@code listener}: from now on each part goes to it as it arrives,
     * until the response ends, fails, or is paused. Call before or right after the request head.
     */
    void streamResponse(ResponseListener listener);

    /** Stops handing parts on, and reading, until {@link #resumeResponse}. */
    void pauseResponse();

    /** Hands on what waited, and reads on. */
    void resumeResponse();

    /**
     * Writes the request head, flushed only if {@code flush}; ends the request if
     * {@code endOfStream}. A failure goes to the {@link ResponseListener}, which must already be set.
     */
    void sendRequestHead(HttpRequest request, boolean endOfStream, boolean flush);

    /**
     * Writes a piece of the request body, taking ownership of {@code data}; flushed only if
     * {@code flush}. After a write that leaves the session {@linkplain #isWritable() unwritable}, wait
     * for {@link ResponseListener#onWritable}.
     */
    void sendRequestBody(ByteBuf data, boolean endOfStream, boolean flush);

    /** Sends what the writes left unflushed. */
    void flush();

    /** Returns the bytes written that wait to be sent; any thread (a racy read, for accounting). */
    long pendingWriteBytes();

    /** Returns whether the session takes writes without queueing past its limit. */
    boolean isWritable();
}
