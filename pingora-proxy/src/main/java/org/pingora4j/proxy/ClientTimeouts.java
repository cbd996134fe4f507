package org.pingora4j.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.pingora4j.pool.Scheduler;
import org.pingora4j.pool.Ticker;

/*
 * Design note.
 *
 * One timer per client connection, whatever it waits for. Each wait (a request head, the next
 * bytes of a body, a write making progress, a drain) is a deadline stamped from the ticker when
 * the wait starts or makes progress; stamping costs a clock read, not a timer. The timer is armed
 * for the earliest deadline only if none is armed earlier; when it fires it acts on what expired and
 * re-arms for what is left. Deadlines mostly move later, so a busy keep-alive connection schedules
 * about one timer per timeout period instead of one per request.
 *
 * Confined to the connection's event loop. With an injected scheduler (tests), a fired task hops
 * to the loop; such timers cannot be cancelled, and a stale one finds nothing expired.
 */

/** The client connection's timeouts: head (keep-alive), body read, write, drain, and a tunnel's idle time. */
final class ClientTimeouts {

    /** What a client connection does when one of its waits times out. */
    interface Expiry {
        void headTimedOut();

        void bodyReadTimedOut();

        void writeTimedOut();

        void drainTimedOut();

        /** Only an HTTP/1.1 connection becomes a tunnel; nothing else arms this wait. */
        default void tunnelTimedOut() {
        }
    }

    private static final long NONE = Long.MAX_VALUE;

    private final EventLoop loop;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final Expiry expiry;
    private long head = NONE;
    private long bodyRead = NONE;
    private long write = NONE;
    private long drain = NONE;
    private long tunnel = NONE;
    private long timerDue = NONE;
    private ScheduledFuture<?> timer;
    private boolean closed;

    /** Uses {@code scheduler} if not null, else the loop's own timers. */
    ClientTimeouts(EventLoop loop, Ticker ticker, Scheduler scheduler, Expiry expiry) {
        this.loop = loop;
        this.ticker = ticker;
        this.scheduler = scheduler;
        this.expiry = expiry;
    }

    /** The connection waits for a request head, at most {@code timeout} from now. */
    void awaitHead(Duration timeout) {
        head = deadline(timeout);
        arm(head);
    }

    void headArrived() {
        head = NONE;
    }

    /** The connection waits for body bytes (again): at most {@code timeout} from now. */
    void awaitBody(Duration timeout) {
        bodyRead = deadline(timeout);
        arm(bodyRead);
    }

    void bodyArrived() {
        bodyRead = NONE;
    }

    /** Writes are pending: look at them again in {@code delayNanos}. */
    void writePending(long delayNanos) {
        write = ticker.read() + delayNanos;
        arm(write);
    }

    /** Draining an unread request body must end within {@code timeout}. */
    void startDrain(Duration timeout) {
        drain = deadline(timeout);
        arm(drain);
    }

    void drainEnded() {
        drain = NONE;
    }

    /**
     * The connection is a tunnel (after a 101): look at its activity in {@code delayNanos}. The
     * connection's other waits are over; only this one and the drain can still fire.
     */
    void tunnelLook(long delayNanos) {
        head = bodyRead = write = NONE;
        tunnel = ticker.read() + delayNanos;
        arm(tunnel);
    }

    /** The connection closed: nothing fires any more. */
    void close() {
        closed = true;
        head = bodyRead = write = drain = tunnel = NONE;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    private long deadline(Duration timeout) {
        return ticker.read() + timeout.toNanos();
    }

    private void arm(long due) {
        if (closed || timerDue - due <= 0 && timerDue != NONE) {
            return; // a timer fires no later than this deadline; it will re-arm for the rest
        }
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        timerDue = due;
        long delay = Math.max(0, due - ticker.read());
        if (scheduler == null) {
            timer = loop.schedule(this::fire, delay, TimeUnit.NANOSECONDS);
            return;
        }
        scheduler.schedule(() -> {
            try {
                loop.execute(this::fire);
            } catch (RejectedExecutionException e) {
                // The loop is gone, and the connection with it.
            }
        }, delay);
    }

    private void fire() {
        timer = null;
        timerDue = NONE;
        if (closed) {
            return;
        }
        long now = ticker.read();
        if (expired(head, now)) {
            head = NONE;
            expiry.headTimedOut();
        }
        if (expired(bodyRead, now)) {
            bodyRead = NONE;
            expiry.bodyReadTimedOut();
        }
        if (expired(write, now)) {
            write = NONE;
            expiry.writeTimedOut();
        }
        if (expired(drain, now)) {
            drain = NONE;
            expiry.drainTimedOut();
        }
        if (expired(tunnel, now)) {
            tunnel = NONE;
            expiry.tunnelTimedOut();
        }
        long next = Math.min(Math.min(Math.min(head, bodyRead), Math.min(write, drain)), tunnel);
        if (next != NONE) {
            arm(next);
        }
    }

    private static boolean expired(long deadline, long now) {
        return deadline != NONE && now - deadline >= 0;
    }
}
