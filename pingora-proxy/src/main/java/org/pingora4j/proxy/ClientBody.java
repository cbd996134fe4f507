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

/*
 * Design note.
 *
 * Push, with the client connection as the source: while a try is attached and its upstream can
 * take more, the client connection hands each decoded part here as it reads it (no future per
 * chunk), and it goes straight to the try's Sink; the end of each client read flushes the sink,
 * so the upstream gets one write per read, not one per part. When the upstream cannot take more
 * (its outbound buffer above the high water mark), the sink says so, parts wait in the client
 * connection, which stops reading once 16 wait; the sink's writability event starts the flow
 * again. Between tries (a failed try, the next connecting) nothing is attached, so nothing is read
 * past what waits: no part is ever lost.
 */

/**
 * The body of one client request, read from the client once and handed to each upstream try in
 * order. Every part read goes to the try it is read for and, while the body is at most 64 KiB,
 * into the {@link RetryBuffer}, which a retry replays before it reads further. Answers
 * {@code Expect: 100-continue} when a try attaches, that is, when an upstream took the request
 * head. Mirrors the retry buffering of pingora's server session.
 *
 * <p>Confined to the request's event loop.
 */
final class ClientBody {

    /** Where the current try sends the body. */
    interface Sink {

        /** Takes a piece of the body (ownership included); returns whether it can take more now. */
        boolean write(ByteBuf data, boolean last);

        /** Sends what was written so far. */
        void flush();

        /** Returns how many bytes written here wait to be sent upstream; any thread may ask. */
        long pendingBytes();
    }

    private final Downstream downstream;
    private final HttpRequest request;
    /** Parts smaller than this are gathered into one write per read. */
    static final int SMALL_PART = 1024;
    /** Gathered bytes go upstream once this many wait, even within a read. */
    static final int GATHER_LIMIT = 16 * 1024;

    private final RetryBuffer retryBuffer = new RetryBuffer();
    private ByteBuf gathered;
    private Sink sink;
    private boolean sinkReady;
    private boolean done;
    private boolean continueSent;
    private boolean released;
    /** Body bytes read from the client, for the access log. */
    private long bytes;

    ClientBody(Downstream downstream, HttpRequest request, boolean hasBody) {
        this.downstream = downstream;
        this.request = request;
        this.done = !hasBody;
    }

    /** Returns whether the client sent the whole body (true at once for a request without one). */
    boolean done() {
        return done;
    }

    /** Returns whether the body grew past what a retry can replay. */
    /** Returns the body bytes read from the client so far. */
    long bytes() {
        return bytes;
    }

    boolean truncated() {
        return retryBuffer.truncated();
    }

    /**
     * A try takes the body from the beginning: what was read for earlier tries is replayed from the
     * buffer, then the rest flows from the client. Not called after the buffer was truncated (such
     * a request is not retried).
     */
    void attach(Sink target) {
        sink = target;
        sinkReady = true;
        sendContinueIfExpected();
        boolean replayed = retryBuffer.size() > 0;
        if (replayed) {
            sinkReady = target.write(retryBuffer.replay(), done);
        }
        if (sink != target) {
            return; // the replay failed the try
        }
        if (done) {
            if (!replayed) {
                target.write(Unpooled.EMPTY_BUFFER, true); // the end of a body that was all replayed empty
            }
            return;
        }
        downstream.readBody(this); // flushes the head, the replay and what waited, in one write
    }

    /** The try is over (ended, failed, or answered before taking the whole body): stop feeding it. */
    void detach() {
        sink = null;
        dropGathered(); // in the retry copy, if a retry is to send them
        downstream.readBody(null);
    }

    /** Returns whether a part can go to the current try now; otherwise it waits in the client connection. */
    boolean wantsPart() {
        return sink != null && sinkReady && !done && !released;
    }

    /** The try's upstream can take more again. */
    void sinkWritable(Sink target) {
        if (sink == target && !sinkReady) {
            sinkReady = true;
            account();
            downstream.readBody(this);
        }
    }

    /**
     * A part read from the client, while {@link #wantsPart()}; takes ownership. Small parts are
     * gathered, up to the end of the read, into one write upstream.
     */
    void onPart(HttpContent content) {
        boolean last = content instanceof LastHttpContent;
        if (last) {
            done = true;
        }
        ByteBuf data = content.content();
        bytes += data.readableBytes();
        retryBuffer.append(data);
        Sink target = sink;
        if (!last && data.readableBytes() < SMALL_PART) {
            gather(data);
            if (gathered.readableBytes() >= GATHER_LIMIT) {
                sinkReady = target.write(takeGathered(), false);
            }
        } else {
            if (gathered != null) {
                sinkReady = target.write(takeGathered(), false);
                if (sink != target) {
                    data.release(); // the write failed the try
                    return;
                }
            }
            sinkReady = target.write(data, last);
        }
        if (!sinkReady) {
            account(); // what the upstream did not take yet is held for it
        }
    }

    /*
     * A body sent as tiny chunks (one byte each, say) would otherwise cost a write, a chunk header
     * and a queued buffer upstream per chunk: a thousand times the work per byte of a body in 8 KiB
     * chunks, which is the CPU an attacker needs to starve the loop's other connections. Gathered
     * per read, they go upstream as one chunk; chunk boundaries carry no meaning (RFC 9112 §7.1).
     */
    private void gather(ByteBuf data) {
        if (gathered == null) {
            gathered = data.alloc().buffer(Math.max(256, data.readableBytes()), GATHER_LIMIT + SMALL_PART);
        }
        gathered.writeBytes(data);
        data.release();
    }

    private ByteBuf takeGathered() {
        ByteBuf taken = gathered;
        gathered = null;
        return taken;
    }

    private void dropGathered() {
        if (gathered != null) {
            gathered.release();
            gathered = null;
        }
    }

    /** The client connection finished a read: what it produced goes upstream in one write. */
    void readComplete() {
        Sink target = sink;
        if (target != null && gathered != null) {
            sinkReady = target.write(takeGathered(), false);
        }
        if (sink != null) {
            sink.flush();
        }
        account();
    }

    /**
     * Tells the client connection what this body holds in memory: the retry copy, and what the
     * current try's upstream connection has not sent yet (up to its high water mark).
     */
    private void account() {
        Sink target = sink;
        long gatheredBytes = gathered == null ? 0 : gathered.capacity();
        downstream.requestBodyHolds(retryBuffer.held() + gatheredBytes + (target == null ? 0 : target.pendingBytes()));
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

    /** Frees the buffered copies; the body stops flowing. */
    void release() {
        released = true;
        if (sink != null) {
            detach();
        }
        dropGathered();
        retryBuffer.release();
        downstream.requestBodyHolds(0);
    }

    private void sendContinueIfExpected() {
        if (!continueSent && !done && HttpUtil.is100ContinueExpected(request)) {
            continueSent = true;
            // A whole message: the encoder must see this interim response end before the final one.
            downstream.write(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE,
                    Unpooled.EMPTY_BUFFER));
        }
    }
}
