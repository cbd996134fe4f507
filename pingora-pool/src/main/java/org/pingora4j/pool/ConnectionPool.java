package org.pingora4j.pool;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note.
 *
 * Concurrency: one lock (a private monitor) guards every idle connection: the global LRU (Lru),
 * the group stacks (PoolNode), EmptyNodes, the overshoot clock and PoolCounters. Each critical
 * section is a few pointer writes (no allocation, callback or scheduling). A monitor, not a
 * ReentrantLock: HotSpot spins on a contended monitor before parking, which suits sections this
 * short (with ReentrantLock a contended get+put was 1.45x slower than a synchronized LRU and
 * allocated a wait node; see pingora-bench). The group map is a ConcurrentHashMap so that a get
 * for a group with no node takes no lock. Nodes enter and leave the map only under the lock.
 * Listeners and the scheduler run after the lock is released (EvictionQueue, MaintenanceSchedule).
 *
 * Why not pingora's shape: pingora shards its LRU per thread to avoid a lock, and so bounds the pool
 * per thread, not per pool (issue #212). Strict LRU across groups needs one order, so one lock.
 *
 * Eviction: see ConnectionPoolBuilder and docs/user_guide/pooling.md. In short, capacity C holds in
 * steady state, maxIdle H always; an overshoot above C is trimmed once it has lasted trimDelay.
 * Maintenance (expiry sweep, trim, empty-node reclamation) runs inline in put when due, from the
 * Scheduler, and in cleanUp().
 *
 * Races: (1) get vs eviction vs popClosed on one connection: each moves the handle out of IDLE under
 * the lock, so exactly one wins; popClosed returns false for the losers; the listener runs once.
 * (2) get reads a node from the map, then locks: if the node was reclaimed meanwhile it was empty
 * at that moment, so the miss is linearizable. (3) a taken connection may die just after get
 * returns it; the owner checks liveness on checkout (pingora-core does). (4) the listener runs after
 * the lock is released, when no other pool operation can reach the handle. (5) get reads the clock
 * before locking, so under contention it judges expiry by a time one lock wait old: microseconds,
 * against idle timeouts of seconds.
 */

/**
 * A pool of idle upstream connections, shared by all threads and bounded as a whole. Mirrors
 * pingora's {@code ConnectionPool} ({@code pingora-pool/src/connection.rs}).
 *
 * <ul>
 *   <li><b>Reuse by group</b>: {@link #put} stores a connection under its {@link ConnectionMeta#key()};
 *       {@link #get} returns an idle connection of that group, the most recently released first
 *       (LIFO), preferring one released with the caller's affinity hint.</li>
 *   <li><b>One capacity</b> for all groups and threads, with least-recently-released eviction and a
 *       tolerated, time-bounded overshoot; see {@link ConnectionPoolBuilder}.</li>
 *   <li><b>Idle timeout</b>: a connection released with a timeout is dropped once it expires and is
 *       never handed out after that.</li>
 *   <li><b>Closed while idle</b>: the owner watches each idle connection and takes out a dead one
 *       with {@link #popClosed(PoolHandle)}; the pool tells the owner, through its
 *       {@link EvictionListener}, about every connection it drops.</li>
 * </ul>
 *
 * <p>Thread safe. The pool never closes connections itself, never does I/O, and holds its
 * lock only for constant-time work.
 *
 * @param <T> the pooled connection type
 */
public final class ConnectionPool<T> implements AutoCloseable {

    /** Affinity hint meaning "no preference". */
    public static final int NO_AFFINITY = -1;

    /** The default capacity, pingora's {@code upstream_keepalive_pool_size} default. */
    public static final int DEFAULT_CAPACITY = 128;

    /** The most empty groups kept before the oldest is dropped without waiting for maintenance. */
    static final int MAX_EMPTY_GROUPS = 1024;

    /** Idle timeouts are capped here (about 73 years) so that deadline arithmetic cannot overflow. */
    private static final long MAX_TIMEOUT_NANOS = Long.MAX_VALUE / 4;

    private static final Logger logger = LoggerFactory.getLogger(ConnectionPool.class);

    private final int capacity;
    private final int maxIdle;
    private final long trimDelayNanos;
    private final Ticker ticker;
    private final Scheduler scheduler;
    private final EvictionListener<? super T> listener;

    private final ConcurrentHashMap<GroupKey, PoolNode<T>> groups = new ConcurrentHashMap<>();
    /** Guards every idle connection; see the design note. A monitor, because HotSpot spins on it before parking. */
    private final Object lock = new Object();
    /** Whether any connection was put with an idle timeout; written under the lock, read without. */
    private volatile boolean deadlinesSeen;

    // Guarded by lock.
    private final Lru<T> lru = new Lru<>();
    private final EmptyNodes<T> emptyNodes = new EmptyNodes<>();
    private final EvictionQueue<T> evicted = new EvictionQueue<>();
    private final MaintenanceSchedule maintenance = new MaintenanceSchedule();
    private boolean overCapacity;
    private long overSince;
    private boolean closed;
    private final PoolCounters counters = new PoolCounters();

    /**
     * Creates a pool of {@code capacity} idle connections with the default overshoot
     * ({@code maxIdle = 2 × capacity}, trim delay {@link ConnectionPoolBuilder#DEFAULT_TRIM_DELAY}),
     * the system clock and scheduler, and no eviction listener. Mirrors pingora's
     * {@code ConnectionPool::new(size)}.
     *
     * @throws IllegalArgumentException if {@code capacity} is negative
     */
    public ConnectionPool(int capacity) {
        this(new ConnectionPoolBuilder<T>().capacity(capacity));
    }

    ConnectionPool(ConnectionPoolBuilder<T> builder) {
        this.capacity = builder.capacity;
        this.maxIdle = builder.effectiveMaxIdle();
        this.trimDelayNanos = builder.trimDelay.toNanos();
        this.ticker = builder.ticker;
        this.scheduler = builder.scheduler;
        this.listener = builder.listener;
    }

    /** Returns a builder for a pool with more than a capacity configured. */
    public static <T> ConnectionPoolBuilder<T> builder() {
        return new ConnectionPoolBuilder<>();
    }

    /** Returns the number of idle connections the pool keeps in steady state. */
    public int capacity() {
        return capacity;
    }

    /** Returns the number of idle connections the pool never exceeds, even during a burst. */
    public int maxIdle() {
        return maxIdle;
    }

    /**
     * Takes an idle connection of group {@code key}, the most recently released first, or returns
     * null if the group has none. Mirrors pingora's {@code ConnectionPool::get}.
     */
    public T get(GroupKey key) {
        return get(key, NO_AFFINITY);
    }

    /**
     * Takes an idle connection of group {@code key}: the most recently released one with the same
     * {@code affinity} hint if the group has one, otherwise the most recently released one of the
     * group; null if the group has none. The hint is typically the caller's event-loop index, so
     * that a connection is reused on the thread that owns it whenever possible, without giving up
     * reuse across threads.
     *
     * @param affinity {@link #NO_AFFINITY} or a hint from 0 to 4095
     * @throws IllegalArgumentException if {@code affinity} is out of range
     */
    public T get(GroupKey key, int affinity) {
        checkAffinity(affinity);
        PoolNode<T> node = groups.get(key);
        if (node == null) {
            counters.lockFreeMisses.increment();
            return null;
        }
        T found = null;
        PoolHandle<T> toReport;
        long scheduleAt;
        // Read the clock before locking when deadlines are in use: a clock read inside the lock
        // lengthens the critical section enough to make a contended monitor park (pingora-bench).
        boolean clockRead = deadlinesSeen;
        long now = clockRead ? ticker.read() : 0;
        synchronized (lock) {
            for (PoolHandle<T> h = node.peek(affinity); h != null; h = node.peek(affinity)) {
                if (h.deadline != PoolHandle.NO_DEADLINE) {
                    if (!clockRead) {
                        now = ticker.read();
                        clockRead = true;
                    }
                    if (h.expiredAt(now)) {
                        counters.expirations++;
                        evictLocked(h, EvictionCause.EXPIRED);
                        continue;
                    }
                }
                unlinkLocked(h);
                h.setState(PoolHandle.State.TAKEN);
                found = h.connection;
                h.connection = null;
                counters.hits++;
                if (affinity != NO_AFFINITY && h.affinity != affinity) {
                    counters.affinityFallbacks++;
                }
                break;
            }
            if (found == null) {
                counters.misses++;
            }
            requestEmptyNodeReclaimLocked();
            toReport = evicted.drain();
            scheduleAt = maintenance.takeRequested();
        }
        afterUnlock(toReport, scheduleAt);
        return found;
    }

    /**
     * Stores an idle connection with no affinity hint and no idle timeout.
     *
     * @see #put(ConnectionMeta, Object, int, Duration)
     */
    public PoolHandle<T> put(ConnectionMeta meta, T connection) {
        return put(meta, connection, NO_AFFINITY, null);
    }

    /**
     * Stores an idle connection, released by its owner after a request, and returns its handle.
     * Mirrors pingora's {@code ConnectionPool::put}.
     *
     * <p>The connection becomes the most recently released one of its group and of the whole pool.
     * If that takes the pool past {@link #maxIdle()}, the least recently released connection of any
     * group is evicted at once (it is this one only when {@code maxIdle} is 0). The
     * {@link EvictionListener} hears of every connection evicted, before this method returns. A
     * zero {@code idleTimeout} means "do not pool": the connection is reported as
     * {@link EvictionCause#EXPIRED} at once. So is every connection put into a closed pool, as
     * {@link EvictionCause#SHUTDOWN}.
     *
     * <p>Put a connection only while the caller owns it: after it was made or taken with
     * {@link #get}, never while it is still idle here. The pool does not search for duplicates (that
     * would cost a lookup per put); a connection put twice could be handed out twice.
     *
     * @param meta the connection's group and id, made once per connection
     * @param connection the idle connection
     * @param affinity {@link #NO_AFFINITY} or a hint from 0 to 4095, see {@link #get(GroupKey, int)}
     * @param idleTimeout how long the connection may stay idle, or null for no limit
     * @return the connection's handle, for {@link #popClosed(PoolHandle)}
     * @throws NullPointerException if {@code meta} or {@code connection} is null
     * @throws IllegalArgumentException if {@code affinity} is out of range or {@code idleTimeout} is
     *     negative
     */
    public PoolHandle<T> put(ConnectionMeta meta, T connection, int affinity, Duration idleTimeout) {
        if (meta == null) {
            throw new NullPointerException("meta");
        }
        if (connection == null) {
            throw new NullPointerException("connection");
        }
        checkAffinity(affinity);
        long timeoutNanos = timeoutNanos(idleTimeout);
        long now = 0;
        boolean clockRead = false;
        long deadline = PoolHandle.NO_DEADLINE;
        if (timeoutNanos >= 0) {
            now = ticker.read();
            clockRead = true;
            deadline = now + timeoutNanos;
            if (deadline == PoolHandle.NO_DEADLINE) {
                deadline--;
            }
        }
        PoolHandle<T> handle = new PoolHandle<>(meta, connection, affinity, deadline);
        PoolHandle<T> toReport;
        long scheduleAt;
        synchronized (lock) {
            counters.puts++;
            if (closed) {
                counters.drained++;
                evicted.add(handle, EvictionCause.SHUTDOWN);
            } else if (timeoutNanos == 0) {
                counters.expirations++;
                evicted.add(handle, EvictionCause.EXPIRED);
            } else {
                nodeForPutLocked(meta.key()).push(handle);
                lru.addNewest(handle);
                if (lru.size() > capacity) {
                    if (!clockRead) {
                        now = ticker.read();
                    }
                    trimLocked(now);
                }
                if (deadline != PoolHandle.NO_DEADLINE) {
                    if (!deadlinesSeen) {
                        deadlinesSeen = true; // once: a volatile write per put would cost a fence
                    }
                    maintenance.request(deadline);
                }
                requestEmptyNodeReclaimLocked();
            }
            toReport = evicted.drain();
            scheduleAt = maintenance.takeRequested();
        }
        afterUnlock(toReport, scheduleAt);
        return handle;
    }

    /**
     * Takes out a connection that its owner found closed, broken or timed out while idle. Mirrors
     * pingora's {@code ConnectionPool::pop_closed}. The eviction listener is not called.
     *
     * @return true if the connection was idle in this pool and is now out; false if it had already
     *     left (taken, evicted or removed before)
     * @throws IllegalArgumentException if {@code handle} belongs to another pool
     */
    public boolean popClosed(PoolHandle<T> handle) {
        long scheduleAt;
        synchronized (lock) {
            if (handle.state() != PoolHandle.State.IDLE) {
                return false;
            }
            if (handle.node.pool() != this) {
                throw new IllegalArgumentException("handle belongs to another pool: " + handle);
            }
            removeLocked(handle);
            scheduleAt = maintenance.takeRequested();
        }
        afterUnlock(null, scheduleAt);
        return true;
    }

    /**
     * Takes out the idle connection with {@code meta}'s id, scanning its group. Prefer
     * {@link #popClosed(PoolHandle)}, which is O(1).
     *
     * @return true if such a connection was idle and is now out
     */
    public boolean popClosed(ConnectionMeta meta) {
        PoolNode<T> node = groups.get(meta.key());
        if (node == null) {
            return false;
        }
        long scheduleAt;
        synchronized (lock) {
            PoolHandle<T> handle = node.find(meta.id());
            if (handle == null) {
                return false;
            }
            removeLocked(handle);
            scheduleAt = maintenance.takeRequested();
        }
        afterUnlock(null, scheduleAt);
        return true;
    }

    /**
     * Runs maintenance now: drops expired connections, trims an overshoot that has lasted the trim
     * delay, and drops empty groups. The scheduler normally does this; call it when the pool was
     * built with {@link Scheduler#disabled()}.
     */
    public void cleanUp() {
        runMaintenance(false, 0);
    }

    /**
     * Evicts every idle connection as {@link EvictionCause#SHUTDOWN} and makes every later
     * {@link #put} do the same. Idempotent. Mirrors the {@code drain} of pingora's LRU.
     */
    @Override
    public void close() {
        PoolHandle<T> toReport;
        synchronized (lock) {
            closed = true;
            for (PoolHandle<T> h = lru.oldest(); h != null; h = lru.oldest()) {
                counters.drained++;
                evictLocked(h, EvictionCause.SHUTDOWN);
            }
            while (emptyNodes.size() > 0) {
                reclaimLocked(emptyNodes.oldest());
            }
            toReport = evicted.drain();
        }
        afterUnlock(toReport, MaintenanceSchedule.NONE);
    }

    /** Returns the number of idle connections in the pool. */
    public int idleCount() {
        synchronized (lock) {
            return lru.size();
        }
    }

    /**
     * Returns the node of group {@code key}, or null if the pool has none. A node that just emptied
     * may linger for up to a trim delay; see {@link PoolNode#idleCount()}.
     */
    public PoolNode<T> group(GroupKey key) {
        return groups.get(key);
    }

    /** Returns the number of group nodes, including empty ones not yet reclaimed. */
    public int groupCount() {
        return groups.size();
    }

    /** Returns a consistent snapshot of the pool's counters and idle connections per group. */
    public PoolStats stats() {
        synchronized (lock) {
            Map<GroupKey, Integer> perGroup = new LinkedHashMap<>();
            for (PoolNode<T> node : groups.values()) {
                if (!node.isEmpty()) {
                    perGroup.put(node.key(), node.size());
                }
            }
            return counters.snapshot(lru.size(), capacity, maxIdle, perGroup);
        }
    }

    int idleCountOf(PoolNode<T> node) {
        synchronized (lock) {
            return node.size();
        }
    }

    // ---- maintenance ----------------------------------------------------------------------------

    /** A scheduled maintenance run, for the time it was scheduled at. */
    private final class MaintenanceRun implements Runnable {
        private final long at;

        MaintenanceRun(long at) {
            this.at = at;
        }

        @Override
        public void run() {
            runMaintenance(true, at);
        }
    }

    private void runMaintenance(boolean scheduled, long at) {
        PoolHandle<T> toReport;
        long scheduleAt;
        synchronized (lock) {
            if (scheduled) {
                maintenance.onRun(at);
            }
            long now = ticker.read();
            long nextDeadline = 0;
            boolean anyDeadline = false;
            PoolHandle<T> h = lru.oldest();
            while (h != null) {
                PoolHandle<T> newer = h.lruNewer;
                if (h.expiredAt(now)) {
                    counters.expirations++;
                    evictLocked(h, EvictionCause.EXPIRED);
                } else if (h.deadline != PoolHandle.NO_DEADLINE
                        && (!anyDeadline || h.deadline - nextDeadline < 0)) {
                    nextDeadline = h.deadline;
                    anyDeadline = true;
                }
                h = newer;
            }
            if (overCapacity) {
                trimLocked(now);
            }
            while (emptyNodes.size() > 0) {
                reclaimLocked(emptyNodes.oldest());
            }
            if (anyDeadline) {
                maintenance.request(nextDeadline);
            }
            toReport = evicted.drain();
            scheduleAt = maintenance.takeRequested();
        }
        afterUnlock(toReport, scheduleAt);
    }

    /**
     * Enforces the capacity at time {@code now} after the idle count may have grown: evicts down to
     * {@code maxIdle} at once, and down to {@code capacity} once the overshoot has lasted the trim
     * delay; otherwise asks for maintenance when it will have.
     */
    private void trimLocked(long now) {
        if (lru.size() <= capacity) {
            overCapacity = false;
            return;
        }
        if (!overCapacity) {
            overCapacity = true;
            overSince = now;
        }
        while (lru.size() > maxIdle) {
            counters.evictions++;
            evictLocked(lru.oldest(), EvictionCause.CAPACITY);
        }
        if (now - overSince >= trimDelayNanos) {
            while (lru.size() > capacity) {
                counters.evictions++;
                evictLocked(lru.oldest(), EvictionCause.CAPACITY);
            }
            overCapacity = false;
        } else {
            maintenance.request(overSince + trimDelayNanos);
        }
    }

    /** Asks for a run one trim delay from now when empty nodes wait and no run is pending. */
    private void requestEmptyNodeReclaimLocked() {
        if (emptyNodes.size() > 0 && !maintenance.isScheduled()) {
            maintenance.request(ticker.read() + trimDelayNanos);
        }
    }

    // ---- structure changes, all under the lock ---------------------------------------------------

    private PoolNode<T> nodeForPutLocked(GroupKey key) {
        PoolNode<T> node = groups.get(key);
        if (node == null) {
            node = new PoolNode<>(key, this);
            groups.put(key, node);
        } else if (node.inEmptyList) {
            emptyNodes.remove(node);
        }
        return node;
    }

    /** Takes {@code h} out of the LRU and its group, keeping the overshoot and empty-node state. */
    private void unlinkLocked(PoolHandle<T> h) {
        assert Thread.holdsLock(lock);
        PoolNode<T> node = h.node;
        lru.unlink(h);
        node.unlink(h);
        if (node.isEmpty()) {
            emptyNodes.add(node);
            if (emptyNodes.size() > MAX_EMPTY_GROUPS) {
                reclaimLocked(emptyNodes.oldest());
            }
        }
        if (overCapacity && lru.size() <= capacity) {
            overCapacity = false;
        }
    }

    private void removeLocked(PoolHandle<T> handle) {
        unlinkLocked(handle);
        handle.setState(PoolHandle.State.REMOVED);
        handle.connection = null;
        counters.removals++;
        requestEmptyNodeReclaimLocked();
    }

    private void evictLocked(PoolHandle<T> h, EvictionCause cause) {
        unlinkLocked(h);
        evicted.add(h, cause);
    }

    private void reclaimLocked(PoolNode<T> node) {
        assert node.isEmpty();
        emptyNodes.remove(node);
        node.removed = true;
        groups.remove(node.key(), node);
    }

    // ---- outside the lock ------------------------------------------------------------------------

    private void afterUnlock(PoolHandle<T> toReport, long scheduleAt) {
        assert !Thread.holdsLock(lock) : "listener and scheduler must run unlocked";
        EvictionQueue.report(toReport, listener);
        if (scheduleAt != MaintenanceSchedule.NONE) {
            schedule(scheduleAt);
        }
    }

    private void schedule(long at) {
        long delay = Math.max(0, at - ticker.read());
        try {
            scheduler.schedule(new MaintenanceRun(at), delay);
        } catch (RuntimeException e) {
            logger.warn("Pool maintenance could not be scheduled; it will run on a later operation", e);
            synchronized (lock) {
                maintenance.onRun(at);
            }
        }
    }

    private static void checkAffinity(int affinity) {
        if (affinity < NO_AFFINITY || affinity > PoolNode.MAX_AFFINITY) {
            throw new IllegalArgumentException(
                    "affinity: " + affinity + " (expected: -1 or 0.." + PoolNode.MAX_AFFINITY + ")");
        }
    }

    /** Returns the timeout in nanoseconds, capped, or -1 for none. */
    private static long timeoutNanos(Duration idleTimeout) {
        if (idleTimeout == null) {
            return -1;
        }
        if (idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idleTimeout: " + idleTimeout + " (expected: >= 0)");
        }
        if (idleTimeout.getSeconds() >= MAX_TIMEOUT_NANOS / 1_000_000_000L) {
            return MAX_TIMEOUT_NANOS;
        }
        return idleTimeout.toNanos();
    }

    @Override
    public String toString() {
        return "ConnectionPool(capacity=" + capacity + ", maxIdle=" + maxIdle + ", idle=" + idleCount() + ')';
    }
}
