package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import org.pingora4j.core.connectors.http.HttpConnector;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.http.ClientSession;

/*
 * Design note.
 *
 * Two event loops may be involved: the request's (its client connection's) and the upstream
 * connection's. Pool affinity makes them the same almost always, and then every call here is a
 * plain method call, in both directions: an upstream read hands each part to the request, which
 * writes it to the client, and the end of that read flushes it (Netty's read → write → flush).
 *
 * When they differ (a pooled connection of another loop was the only one), each call hops: a
 * response part is handed over with the upstream paused, and the request resumes it once the part
 * was written, so at most one part is in flight between the loops, as memory bounds require.
 * `ended` is read on the request's loop only; the session's own checks protect the upstream side.
 */

/**
 * An {@link UpstreamExchange} over one {@link ClientSession}, whatever its protocol (a whole
 * HTTP/1.1 connection or one HTTP/2 stream): the part of pingora's {@code proxy_h1} and
 * {@code proxy_h2} that moves the request out and the response back, with the hops between event
 * loops when the session lives on another one.
 */
final class SessionExchange implements UpstreamExchange, ClientSession.ResponseListener, ClientBody.Sink {

    private static final CompletionStage<Boolean> RELEASED = CompletableFuture.completedFuture(false);

    private final Events events;
    private final ClientSession session;
    private final HttpConnector connector;
    private final EventLoop loop;
    private final boolean sameLoop;
    private ClientBody body;
    private boolean requestEnded;
    /** The request asked to hold the response ({@link #pause}); on the request's loop. */
    private boolean held;
    private boolean ended;

    SessionExchange(Events events, ClientSession session, HttpConnector connector, EventLoop requestLoop) {
        this.events = events;
        this.session = session;
        this.connector = connector;
        this.loop = requestLoop;
        this.sameLoop = session.eventLoop() == requestLoop;
    }

    ClientSession session() {
        return session;
    }

    // ---- the request side, on the request's loop ------------------------------------------------

    @Override
    public void start(HttpRequest head, boolean hasBody, ClientBody clientBody) {
        requestEnded = !hasBody;
        if (sameLoop) {
            sendHead(head, hasBody);
        } else {
            onSession(() -> sendHead(head, hasBody), head);
        }
        if (hasBody && !ended) {
            body = clientBody;
            clientBody.attach(this);
        }
    }

    private void sendHead(HttpRequest head, boolean hasBody) {
        session.streamResponse(this);
        // With a body to follow, the head waits for the body's first flush: one send for both.
        session.sendRequestHead(head, !hasBody, !hasBody);
    }

    @Override
    public boolean requestEnded() {
        return requestEnded;
    }

    @Override
    public boolean write(ByteBuf data, boolean last) {
        if (ended) {
            data.release();
            return false;
        }
        ByteBuf filtered;
        try {
            filtered = events.requestBodyPart(data, last);
        } catch (PingoraException e) {
            fail(e);
            return false;
        }
        if (last) {
            requestEnded = true;
        }
        if (sameLoop) {
            session.sendRequestBody(filtered, last, last);
            if (!session.isWritable()) {
                // Unflushed bytes count toward the water mark: send them; wait only if still full.
                session.flush();
            }
            return session.isWritable();
        }
        onSession(() -> session.sendRequestBody(filtered, last, last), filtered);
        return session.isWritable();
    }

    @Override
    public long pendingBytes() {
        return ended ? 0 : session.pendingWriteBytes();
    }

    @Override
    public void flush() {
        if (ended) {
            return;
        }
        if (sameLoop) {
            session.flush();
        } else {
            onSession(session::flush, null);
        }
    }

    @Override
    public void pause() {
        held = true;
        if (sameLoop) {
            session.pauseResponse();
        } else {
            onSession(session::pauseResponse, null);
        }
    }

    @Override
    public void resume() {
        if (ended) {
            return;
        }
        held = false;
        if (sameLoop) {
            session.resumeResponse();
            events.responseReadComplete(); // what the resumed parts produced goes out now
        } else {
            onSession(session::resumeResponse, null);
        }
    }

    @Override
    public CompletionStage<Boolean> release() {
        if (ended) {
            return RELEASED;
        }
        ended = true;
        if (body != null) {
            body.detach();
        }
        return connector.releaseSession(session);
    }

    // ---- the response side, on the session's loop ---------------------------------------------

    @Override
    public void onResponseHead(HttpResponse head) {
        if (sameLoop) {
            events.responseHead(head);
            return;
        }
        session.pauseResponse();
        onRequest(() -> {
            events.responseHead(head);
            resumeUnlessHeld();
        }, head);
    }

    @Override
    public void onResponseBody(HttpContent content, boolean last) {
        if (sameLoop) {
            events.responseBody(content, last);
            return;
        }
        session.pauseResponse();
        onRequest(() -> {
            events.responseBody(content, last);
            if (!last) {
                // The last part's own write flushes it; flushing here would send a held head
                // alone, and split a gRPC trailers-only answer into HEADERS and an empty DATA.
                events.responseReadComplete();
                resumeUnlessHeld();
            }
        }, content);
    }

    /** After a part crossed loops (the session paused itself for it): read on, unless the request holds it. */
    private void resumeUnlessHeld() {
        if (!ended && !held) {
            onSession(session::resumeResponse, null);
        }
    }

    @Override
    public void onReadComplete() {
        if (sameLoop) {
            events.responseReadComplete();
        }
    }

    @Override
    public void onFailure(PingoraException error) {
        if (sameLoop) {
            fail(error);
        } else {
            onRequest(() -> fail(error), null);
        }
    }

    @Override
    public void onWritable() {
        if (sameLoop) {
            bodyWritable();
        } else {
            onRequest(this::bodyWritable, null);
        }
    }

    private void bodyWritable() {
        if (!ended && body != null) {
            body.sinkWritable(this);
        }
    }

    private void fail(PingoraException error) {
        if (!ended) {
            events.failed(error);
        }
    }

    // ---- hops between the two loops ------------------------------------------------------------

    /** Runs {@code work} on the request's loop, unless the try ended by then; drops {@code message} if it does not run. */
    private void onRequest(Runnable work, Object message) {
        try {
            loop.execute(() -> {
                if (ended) {
                    ReferenceCountUtil.release(message);
                    return;
                }
                work.run();
            });
        } catch (RejectedExecutionException e) {
            ReferenceCountUtil.release(message); // the server is stopping: the request dies with its loop
        }
    }

    /** Runs {@code work} on the session's loop; if that loop is gone, fails the try. */
    private void onSession(Runnable work, Object message) {
        try {
            session.eventLoop().execute(work);
        } catch (RejectedExecutionException e) {
            ReferenceCountUtil.release(message);
            fail(PingoraException.internal(ErrorType.INTERNAL_ERROR, "the upstream event loop is shut down", e));
        }
    }
}
