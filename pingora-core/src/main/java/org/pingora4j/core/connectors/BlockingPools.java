package org.pingora4j.core.connectors;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Thread pools for the connectors' blocking work (name lookups, reading trust stores and keys),
 * which must never run on an event loop.
 *
 * <p>Core size equals maximum size: a {@link ThreadPoolExecutor} only grows past its core size when
 * its queue is full, so a pool of {@code (0, n)} over an unbounded queue runs everything on one
 * thread, one slow lookup stalling all others. Idle threads still time out. The queue is bounded:
 * past it, work is rejected, and callers fail that one request instead of queueing without limit.
 */
final class BlockingPools {

    private static final long KEEP_ALIVE_SECONDS = 30;

    private BlockingPools() {
    }

    /** Returns a pool of {@code threads} daemon threads named {@code name-N} and a queue of {@code queue} tasks. */
    static ThreadPoolExecutor create(String name, int threads, int queue) {
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, KEEP_ALIVE_SECONDS, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queue), new DefaultThreadFactory(name, true));
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }
}
