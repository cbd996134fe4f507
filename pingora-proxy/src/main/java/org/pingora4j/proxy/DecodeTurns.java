package org.pingora4j.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.FastThreadLocal;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/*
 * Design note.
 *
 * One queue per event loop, touched only on that loop (a FastThreadLocal of the loop's thread): the
 * client connections whose decoder yielded wait here, in order, and each turn of the loop serves
 * the next TURNS_PER_LOOP of them, then hands the loop back to its I/O. The serving task is
 * scheduled, not executed: Netty moves due scheduled tasks into the loop's queue once per turn,
 * so it runs once per turn, after the loop's I/O, however many connections wait. A connection that
 * yields stops reading until it is served, so a flood of such connections costs each turn of the
 * loop TURNS_PER_LOOP decoder turns, and a new client is accepted and read within a few turns.
 */

/**
 * The loop's round robin of client connections that have more decoded work than one turn's worth:
 * see {@link DownstreamConnection}.
 */
final class DecodeTurns implements Runnable {

    /** Connections served per turn of the loop. */
    static final int TURNS_PER_LOOP = 16;

    private static final FastThreadLocal<DecodeTurns> PER_LOOP = new FastThreadLocal<>();

    private final EventLoop loop;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private boolean scheduled;

    private DecodeTurns(EventLoop loop) {
        this.loop = loop;
    }

    /** Returns the queue of {@code loop}; call on that loop. */
    static DecodeTurns of(EventLoop loop) {
        assert loop.inEventLoop();
        DecodeTurns turns = PER_LOOP.get();
        if (turns == null || turns.loop != loop) {
            turns = new DecodeTurns(loop);
            PER_LOOP.set(turns);
        }
        return turns;
    }

    /** Runs {@code turn} after those already waiting, in a later turn of the loop. */
    void add(Runnable turn) {
        waiting.add(turn);
        if (!scheduled) {
            scheduled = true;
            loop.schedule(this, 0, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void run() {
        scheduled = false;
        for (int i = 0; i < TURNS_PER_LOOP; i++) {
            Runnable turn = waiting.poll();
            if (turn == null) {
                return;
            }
            turn.run();
        }
        if (!waiting.isEmpty() && !scheduled) {
            scheduled = true;
            loop.schedule(this, 0, TimeUnit.NANOSECONDS);
        }
    }
}
