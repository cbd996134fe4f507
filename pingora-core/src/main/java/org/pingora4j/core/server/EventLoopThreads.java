package org.pingora4j.core.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.io.PrintStream;
import java.util.Objects;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads of the server's event loops, each watched: a loop whose thread ends while its group
 * is not shutting down has died (an {@link Error} escaped it: an {@link OutOfMemoryError} thrown
 * while Netty was handling another failure, say), and the process then exits with status
 * {@value #LOOP_DIED}. A dead loop cannot be restarted: its connections and its listener stay
 * registered with it, the kernel goes on accepting into the listener's backlog, and the proxy
 * answers nothing while a health check that only connects still passes. Exiting lets a supervisor
 * (systemd, Kubernetes) start a working one. Pingora's equivalent is a panic on a runtime thread
 * that aborts the process ({@code panic = "abort"}).
 *
 * <p>The exit is {@link Runtime#halt}: shutdown hooks would wait for the dead loop to drain.
 */
public final class EventLoopThreads extends DefaultThreadFactory {

    /** The exit status of a process whose event loop died: {@code EX_SOFTWARE} of sysexits.h. */
    public static final int LOOP_DIED = 70;

    private static final Logger logger = LoggerFactory.getLogger(EventLoopThreads.class);

    private final IntConsumer onDeath;
    private final PrintStream err;
    /** Set once the group is told to stop: from then on a thread that ends is not a death. */
    private volatile boolean stopping;

    private EventLoopThreads(String prefix, IntConsumer onDeath, PrintStream err) {
        super(prefix);
        this.onDeath = Objects.requireNonNull(onDeath, "onDeath");
        this.err = Objects.requireNonNull(err, "err");
    }

    /**
     * Returns {@code threads} event loops on {@code ioHandlers}, named {@code prefix-N-M}, that halt
     * the process with status {@value #LOOP_DIED} if one of them dies before the group is shut down.
     */
    public static EventLoopGroup newGroup(String prefix, int threads, IoHandlerFactory ioHandlers) {
        return newGroup(prefix, threads, ioHandlers, status -> Runtime.getRuntime().halt(status), System.err);
    }

    /** As {@link #newGroup(String, int, IoHandlerFactory)}, calling {@code onDeath} instead of halting; for tests. */
    static EventLoopGroup newGroup(String prefix, int threads, IoHandlerFactory ioHandlers, IntConsumer onDeath,
                                   PrintStream err) {
        return new Watched(threads, new EventLoopThreads(prefix, onDeath, err), ioHandlers);
    }

    /**
     * A group that tells its threads when it is told to stop. Its own state cannot say it: a group
     * reads as shutting down once all its loops are, and the one loop of a one-loop group that died
     * is shutting down too.
     */
    private static final class Watched extends MultiThreadIoEventLoopGroup {
        private final EventLoopThreads threads;

        Watched(int n, EventLoopThreads threads, IoHandlerFactory ioHandlers) {
            super(n, threads, ioHandlers);
            this.threads = threads;
        }

        @Override
        public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
            threads.stopping = true;
            return super.shutdownGracefully(quietPeriod, timeout, unit);
        }

        @Override
        @Deprecated
        public void shutdown() {
            threads.stopping = true;
            super.shutdown();
        }
    }

    @Override
    protected Thread newThread(Runnable loop, String name) {
        return super.newThread(() -> {
            try {
                loop.run();
            } finally {
                ended(name);
            }
        }, name);
    }

    private void ended(String name) {
        if (stopping) {
            return;
        }
        try {
            // Built inside the try: with the heap full, building the line may fail too.
            String line = "pingora4j: event loop thread " + name + " died (see the exception logged just before);"
                    + " exiting with status " + LOOP_DIED + " so that a supervisor restarts the process";
            err.println(line);
            logger.error(line);
        } finally {
            onDeath.accept(LOOP_DIED);
        }
    }
}
