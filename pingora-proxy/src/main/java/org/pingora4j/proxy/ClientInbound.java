package org.pingora4j.proxy;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.function.BooleanSupplier;

/*
 * Design note.
 *
 * Back-pressure on the client. Decoded objects wait here until the request takes them, weighed in
 * bytes of memory held (InboundWeight: a head's lines and bytes, a part's bytes, each object's own
 * overhead), not counted as objects: sixteen pipelined heads can be a megabyte. Reading and
 * decoding stop for three reasons:
 * - a backlog nobody takes (paused): past PAUSE_BYTES or PAUSE_AT objects, until it is down to
 *   RESUME_BYTES and RESUME_AT; the decoder is held too (RequestDecoder.hold), so what it already
 *   read stays bytes instead of becoming objects;
 * - a malformed request waiting to be answered (refusedAhead): nothing after it will be read;
 * - a spent turn (turnScheduled): RequestDecoder.TURN_OBJECTS objects per read; the rest of what
 *   was read waits as bytes, and the connection waits, not reading, in its loop's DecodeTurns.
 * The epoll interest changes only while a client sends faster than the proxy forwards, never per
 * request. Confined to the connection's event loop.
 */

/**
 * What a client connection read that waits to be taken, and whether the connection reads on. A
 * client that floods its connection with tiny objects (one-byte chunks, empty pipelined requests)
 * gets the same share of its loop as any other, and holds about 64 KiB of them, not the loop and
 * not a hundred times what it sent.
 */
final class ClientInbound {

    private static final int PAUSE_AT = 16;
    private static final int RESUME_AT = 4;
    private static final long PAUSE_BYTES = 64 * 1024;
    private static final long RESUME_BYTES = 16 * 1024;

    private final Channel channel;
    private final RequestDecoder decoder;
    private final BooleanSupplier connectionClosed;
    private final DecodeTurns turns;
    private final Runnable nextTurn = this::nextTurn;
    private final ArrayDeque<HttpObject> waiting = new ArrayDeque<>();
    /** What the objects in {@link #waiting} hold, by {@link InboundWeight}. */
    private long waitingBytes;
    private boolean paused;
    private boolean refusedAhead;
    private boolean turnScheduled;
    private boolean lingering;
    private boolean tunnelled;

    /** For {@code channel}, on its event loop; {@code connectionClosed} says when to stop reading. */
    ClientInbound(Channel channel, RequestDecoder decoder, BooleanSupplier connectionClosed) {
        this.channel = channel;
        this.decoder = decoder;
        this.connectionClosed = connectionClosed;
        this.turns = DecodeTurns.of(channel.eventLoop());
    }

    void add(HttpObject object) {
        waiting.add(object);
        waitingBytes += InboundWeight.of(object);
    }

    HttpObject peek() {
        return waiting.peek();
    }

    boolean isEmpty() {
        return waiting.isEmpty();
    }

    /** Takes the oldest waiting object. */
    HttpObject take() {
        HttpObject object = waiting.poll();
        // Most often the queue held only this object (a request taken as soon as it was read).
        waitingBytes = waiting.isEmpty() ? 0 : waitingBytes - InboundWeight.of(object);
        return object;
    }

    /** Releases everything waiting. */
    void releaseAll() {
        for (HttpObject o = waiting.poll(); o != null; o = waiting.poll()) {
            ReferenceCountUtil.release(o);
        }
        waitingBytes = 0;
    }

    /** Returns the bytes of client data held here and in the decoder. */
    long heldBytes() {
        return waitingBytes + decoder.bufferedBytes();
    }

    /** {@code added} was read and what could be taken was: stop reading if too much, or a refusal, waits. */
    void afterRead(HttpObject added) {
        if (!paused && (waiting.size() >= PAUSE_AT || waitingBytes >= PAUSE_BYTES)) {
            paused = true;
            updateReading();
        }
        if (!refusedAhead && added.decoderResult().isFailure() && waiting.peekLast() == added) {
            refusedAhead = true;
            updateReading();
        }
    }

    /** Resumes reading once a paused connection's backlog is small again. */
    void demand() {
        if (paused && !connectionClosed.getAsBoolean() && waiting.size() <= RESUME_AT && waitingBytes <= RESUME_BYTES) {
            paused = false;
            // What the decoder read before the pause waits in it, and no read may come to push it
            // through (the client may have sent everything): a turn of its own does.
            if (decoder.bufferedBytes() > 0) {
                scheduleTurn();
            } else {
                updateReading();
            }
        }
    }

    /** A read ended: a decoder that yielded goes on in a later turn; otherwise each read is a turn. */
    void readComplete() {
        if (decoder.yielded()) {
            scheduleTurn();
        } else if (!turnScheduled) {
            decoder.newTurn();
        }
    }

    /** The connection closes by lingering: what it reads now is dropped as bytes, never decoded or held. */
    void linger() {
        lingering = true;
        releaseAll();
        decoder.discard();
    }

    /** The connection became a tunnel: its reading is the tunnel's to pause and resume from now on. */
    void tunnelled() {
        tunnelled = true;
        releaseAll();
    }

    private void updateReading() {
        if (lingering || tunnelled) {
            return; // lingering reads everything until the client closes, and drops it
        }
        boolean hold = paused || refusedAhead;
        decoder.hold(hold);
        boolean read = !hold && !turnScheduled && !connectionClosed.getAsBoolean();
        if (channel.config().isAutoRead() != read) {
            channel.config().setAutoRead(read);
        }
    }

    private void scheduleTurn() {
        if (turnScheduled) {
            return;
        }
        turnScheduled = true;
        updateReading();
        turns.add(nextTurn);
    }

    private void nextTurn() {
        turnScheduled = false;
        if (lingering || tunnelled || connectionClosed.getAsBoolean() || !channel.isActive()) {
            return;
        }
        decoder.newTurn();
        updateReading();
        if (!paused && !refusedAhead && decoder.bufferedBytes() > 0) {
            // A read of nothing, handed to the decoder itself: from the pipeline's head it would
            // reach a TLS handler first, which passes nothing on for it.
            decoder.decodeMore(channel.pipeline().context(decoder));
        }
    }
}
