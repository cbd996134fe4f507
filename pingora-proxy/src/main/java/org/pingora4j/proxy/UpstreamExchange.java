package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.error.PingoraException;

/**
 * One try of a request against an upstream: the request goes out, the response comes back, pushed
 * part by part. The seam between the proxy's phase and retry loop ({@link ProxyRequest}) and a wire
 * protocol: {@link SessionExchange} fills it with a {@code ClientSession}, an HTTP/1.1 connection or
 * an HTTP/2 stream. Mirrors the per-protocol halves of pingora's {@code proxy_to_upstream}
 * ({@code proxy_h1}, {@code proxy_h2}).
 *
 * <p>Every method is called on the request's event loop, and every {@link Events} call arrives there.
 */
interface UpstreamExchange {

    /** What an exchange reports to the request it serves. */
    interface Events {

        /** Runs the request body filter and the framing check on a piece of the body; may throw. */
        ByteBuf requestBodyPart(ByteBuf data, boolean last);

        /** The final response head arrived. */
        void responseHead(HttpResponse head);

        /** A part of the response body arrived, owned by the callee; {@code last} ends the response. */
        void responseBody(HttpContent content, boolean last);

        /** What the parts since the last call produced can be flushed to the client. */
        void responseReadComplete();

        /** The try failed; nothing more arrives. */
        void failed(PingoraException error);
    }

    /** Sends {@code head}; the body, if {@code hasBody}, follows from {@code body}; the response is pushed back. */
    void start(HttpRequest head, boolean hasBody, ClientBody body);

    /** Returns whether the whole request was handed to the connection. */
    boolean requestEnded();

    /** Holds the response where it is, and stops reading it, until {@link #resume}. */
    void pause();

    /** Hands on the response again. */
    void resume();

    /**
     * Ends the try: the request body stops flowing to it, and no more events arrive. The connection
     * goes back to the connector (pooled only if the exchange left it reusable); the stage completes
     * once it is back, at once when the connection lives on the request's loop.
     */
    CompletionStage<?> release();
}
