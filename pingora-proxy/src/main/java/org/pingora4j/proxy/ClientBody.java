package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.CompletableFuture;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;

/**
 * The body of one client request, read from the client once and handed to each upstream try in
 * order. Every chunk read goes to the try waiting for it and, while the body is at most 64 KiB,
 * into the {@link RetryBuffer}; a retry starts its cursor at zero and replays the buffer before it
 * reads further. Answers {@code Expect: 100-continue} when the first chunk is wanted, that is, when
 * an upstream took the request head. Mirrors the retry buffering of pingora's server session.
 *
 * <p>Confined to the request's event loop.
 */
final class ClientBody {

    /** A piece of the body and whether it is the last. */
    record Chunk(ByteBuf data, boolean last) {
    }

    private final DownstreamConnection<?> downstream;
    private final HttpRequest request;
    private final RetryBuffer retryBuffer = new RetryBuffer();
    private int cursor;
    private boolean readPending;
    private CompletableFuture<Chunk> waiter;
    private boolean done;
    private boolean lost;
    private boolean continueSent;
    private boolean released;

    ClientBody(DownstreamConnection<?> downstream, HttpRequest request) {
        this.downstream = downstream;
        this.request = request;
    }

    /** Returns whether the client sent the whole body. */
    boolean done() {
        return done;
    }

    /** Returns whether the body grew past what a retry can replay. */
    boolean truncated() {
        return retryBuffer.truncated();
    }

    /** Starts a new try: it gets the body from the beginning. */
    void restart() {
        cursor = 0;
        waiter = null;
    }

    /** Returns the next chunk for the current try: replayed from the buffer, else read from the client. */
    CompletableFuture<Chunk> next() {
        if (lost) {
            return CompletableFuture.failedFuture(PingoraException.internal(ErrorType.INTERNAL_ERROR,
                    "part of the request body arrived between two tries and could not be kept", null));
        }
        if (!retryBuffer.truncated() && cursor < retryBuffer.count()) {
            ByteBuf replayed = retryBuffer.chunk(cursor++);
            return CompletableFuture.completedFuture(new Chunk(replayed, done && cursor == retryBuffer.count()));
        }
        if (done) {
            return CompletableFuture.completedFuture(new Chunk(Unpooled.EMPTY_BUFFER, true));
        }
        CompletableFuture<Chunk> waiting = new CompletableFuture<>();
        waiter = waiting;
        if (!readPending) {
            readPending = true;
            sendContinueIfExpected();
            downstream.readBody().whenComplete(this::onRead);
        }
        return waiting;
    }

    /**
     * The final response is about to go out: from now on no {@code 100 Continue} is sent. Returns
     * true if the client was waiting for one and may or may not send its body now, so that the
     * connection must close after the response: what it sends next could be either the body or a
     * new request (RFC 9110 §10.1.1).
     */
    boolean forgoContinue() {
        boolean waiting = !continueSent && !done && HttpUtil.is100ContinueExpected(request);
        continueSent = true;
        return waiting;
    }

    /** Frees the buffered copies; a read still pending then frees what it brings. */
    void release() {
        released = true;
        retryBuffer.release();
    }

    private void onRead(HttpContent content, Throwable error) {
        readPending = false;
        CompletableFuture<Chunk> waiting = waiter;
        waiter = null;
        if (error != null) {
            if (waiting != null) {
                waiting.completeExceptionally(error);
            }
            return;
        }
        boolean last = content instanceof LastHttpContent;
        if (last) {
            done = true;
        }
        if (released) {
            // The request ended (an early answer, a failure) while this read was out.
            content.release();
            if (waiting != null) {
                waiting.completeExceptionally(PingoraException.internal(ErrorType.INTERNAL_ERROR,
                        "the request ended while its body was being read", null));
            }
            return;
        }
        ByteBuf data = content.content();
        retryBuffer.append(data);
        if (waiting == null) {
            // No try is waiting (one failed, the next is connecting): the retry buffer keeps it.
            if (retryBuffer.truncated()) {
                lost = true;
            }
            data.release();
            return;
        }
        if (!retryBuffer.truncated()) {
            cursor = retryBuffer.count();
        }
        waiting.complete(new Chunk(data, last));
    }

    private void sendContinueIfExpected() {
        if (!continueSent && HttpUtil.is100ContinueExpected(request)) {
            continueSent = true;
            // A whole message: the encoder must see this interim response end before the final one.
            downstream.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
    }
}
