package org.pingora4j.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note.
 *
 * One counter for the whole service, shared by every event loop: an AtomicLong to which each
 * connection's Account adds what it holds in grains of 4 KiB, so a connection touches the shared
 * counter only when what it holds crosses a grain (a request with a small body: twice; a GET that
 * waits nowhere: never). Going over the limit starts a shedding pass, one at a time (a CAS on
 * `shedding`): it reads what each connection holds (a racy read of a volatile written on the
 * connection's own loop: a pass needs an estimate, not a snapshot), takes the largest holders until
 * what they hold brings the total under seven eighths of the limit, and asks each, on its own loop,
 * to shed. What a victim held counts as `releasing` until its account drops, so that passes started
 * meanwhile do not shed others for the same bytes. A charge over the limit that finds a pass running
 * sets `missedPass` and returns; the running pass sees it when it ends and chooses again, so no
 * crossing goes without a pass after it.
 */

/**
 * The service-wide budget of client data held in memory: request bodies kept for a retry, parts
 * and pipelined requests waiting for their turn, bytes read but not yet decoded. Past its limit the
 * connections holding the most are shed: answered 503 where nothing was sent yet, else closed
 * (see {@link HttpServerOptions#maxBufferedBytes()}). What each connection may hold is bounded on
 * its own; this bounds their sum, which is what an attacker with many connections grows.
 */
final class ClientBufferBudget {

    private static final Logger logger = LoggerFactory.getLogger(ClientBufferBudget.class);

    /**
     * Charged in steps of this many bytes, rounded up: at most this much counted too much per
     * connection, which over a thousand connections is 4 MiB.
     */
    static final long GRAIN = 4 * 1024;

    /** A connection, as its budget sees it. */
    interface Holder {

        /** Returns the connection's account, or null before it opened one. */
        Account account();

        /**
         * Asks the connection to shed what it holds, {@code bytes} by the pass's reading: called
         * from any thread; the connection calls {@link Account#chosen} then sheds, on its loop.
         */
        void requestShed(long bytes);
    }

    private final long limit;
    private final long lowMark;
    private final AtomicLong charged = new AtomicLong();
    private final AtomicLong releasing = new AtomicLong();
    private final AtomicBoolean shedding = new AtomicBoolean();
    /** Set by every charge over the limit; a pass clears it when it starts, and runs again if it was set meanwhile. */
    private final AtomicBoolean missedPass = new AtomicBoolean();
    private final LongAdder shed = new LongAdder();
    /** Guarded by the pass's CAS on {@code shedding}. */
    private long nextLogLine = System.nanoTime();
    private long shedUnlogged;
    private final Iterable<? extends Holder> holders;

    /** A budget of {@code limit} bytes over the connections {@code holders} iterates (concurrently). */
    ClientBufferBudget(long limit, Iterable<? extends Holder> holders) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: > 0)");
        }
        this.limit = limit;
        this.lowMark = limit - limit / 8;
        this.holders = holders;
    }

    /** Returns the bytes charged now (in grains). */
    long charged() {
        return charged.get();
    }

    /** Returns how many connections were shed. */
    long shedCount() {
        return shed.sum();
    }

    /** Opens the account of one connection. */
    Account newAccount(Holder holder) {
        return new Account(holder);
    }

    private void charge(long delta) {
        long total = charged.addAndGet(delta);
        if (delta > 0 && total > limit) {
            shedPass();
        }
    }

    private void shedPass() {
        // A charge that crosses the limit while another thread's pass runs leaves it a note instead
        // of waiting; the pass runs again for it. Without the note, the last connections to grow
        // at the same time as a pass could leave the total above the limit with no pass to come.
        missedPass.set(true);
        while (missedPass.get() && shedding.compareAndSet(false, true)) {
            missedPass.set(false);
            try {
                choose();
            } finally {
                shedding.set(false);
            }
        }
    }

    /** One pass: sheds the largest holders until what they hold brings the total under the low mark. */
    private void choose() {
        long excess = charged.get() - releasing.get() - lowMark;
        if (excess <= 0) {
            return;
        }
        List<Account> candidates = new ArrayList<>();
        for (Holder h : holders) {
            Account a = h.account();
            if (a != null && a.held > 0 && !a.shedding) {
                candidates.add(a);
            }
        }
        candidates.sort((x, y) -> Long.compare(y.held, x.held));
        int victims = 0;
        long freed = 0;
        for (Account victim : candidates) {
            if (freed >= excess) {
                break;
            }
            long held = victim.held;
            victim.shedding = true;
            releasing.addAndGet(held);
            freed += held;
            victims++;
            shed.increment();
            try {
                victim.holder.requestShed(held);
            } catch (RejectedExecutionException e) {
                releasing.addAndGet(-held); // its loop is shutting down: the connection closes with it
            }
        }
        logShed(victims, freed);
    }

    /**
     * One line a second at most: under a sustained attack passes run many times a second, and the
     * log must not become the next thing the attacker fills. Called by the pass, one at a time.
     */
    private void logShed(int victims, long freed) {
        long now = System.nanoTime();
        shedUnlogged += victims;
        if (now - nextLogLine < 0) {
            return;
        }
        nextLogLine = now + TimeUnit.SECONDS.toNanos(1);
        logger.warn("Buffered client data is over its budget of {} bytes: shed {} connection(s) since the last such line, "
                + "the latest {} holding the most ({} bytes)", limit, shedUnlogged, victims, freed);
        shedUnlogged = 0;
    }

    /**
     * One connection's share of the budget. Written on the connection's event loop only; {@code held}
     * is volatile for the shedding pass, which reads it from another.
     */
    final class Account {
        private final Holder holder;
        private volatile long held;
        private long grains;
        /** Chosen by a shedding pass: set from that pass's thread, read by later passes. */
        private volatile boolean shedding;
        /** What a pass counted on this connection to give back; 0 once given back. On the loop. */
        private long releasing;
        private boolean closed;

        private Account(Holder holder) {
            this.holder = holder;
        }

        /** The connection now holds {@code bytes} of client data. */
        void holds(long bytes) {
            if (closed || bytes == held) {
                return;
            }
            held = bytes;
            long charge = (bytes + GRAIN - 1) / GRAIN * GRAIN;
            if (charge != grains) {
                long delta = charge - grains;
                grains = charge;
                if (charge == 0) {
                    released();
                }
                charge(delta);
            }
        }

        /**
         * A pass chose this connection, counting {@code bytes} on it; the connection sheds next. On
         * the connection's loop.
         */
        void chosen(long bytes) {
            releasing = bytes;
            if (closed || grains == 0) {
                released();
            }
        }

        /** The connection closed: everything it held is given back. */
        void close() {
            if (closed) {
                return;
            }
            holds(0);
            closed = true;
            released();
        }

        private void released() {
            if (releasing != 0) {
                ClientBufferBudget.this.releasing.addAndGet(-releasing);
                releasing = 0;
            }
        }
    }
}
