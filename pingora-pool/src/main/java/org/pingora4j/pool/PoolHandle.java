package org.pingora4j.pool;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One idle connection's place in the pool, returned by {@link ConnectionPool#put}. The owner keeps
 * it while the connection idles, and hands it to {@link ConnectionPool#popClosed(PoolHandle)} when it
 * finds the connection closed or broken, which takes it out in constant time. Together with the
 * pool's {@link EvictionListener} it replaces the two signals pingora's {@code put} returns.
 *
 * <p>A handle is single use: a connection released again gets a new handle.
 *
 * @param <T> the pooled connection type
 */
public final class PoolHandle<T> {

    /** Where a handle is in its one-way life. */
    public enum State {
        /** In the pool, available to {@link ConnectionPool#get}. */
        IDLE,
        /** Handed out by {@link ConnectionPool#get}. */
        TAKEN,
        /** Dropped by the pool; the {@link EvictionListener} was told. */
        EVICTED,
        /** Taken out by the owner through {@link ConnectionPool#popClosed}. */
        REMOVED
    }

    /** {@link #deadline} of a connection released without an idle timeout. */
    static final long NO_DEADLINE = Long.MAX_VALUE;

    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(PoolHandle.class, "state", State.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final ConnectionMeta meta;
    final int affinity;
    /** Absolute {@link Ticker} time at which the connection expires, or {@link #NO_DEADLINE}. */
    final long deadline;
    /** The connection while idle; cleared once it leaves so that a kept handle does not pin it. */
    T connection;
    /** Written only under the pool's lock, with release semantics; read lock-free by {@link #state()}. */
    @SuppressWarnings("unused")
    private State state = State.IDLE;

    // Intrusive links, all guarded by the pool's lock. One object per release keeps put allocation
    // to this handle alone.
    PoolNode<T> node;
    PoolHandle<T> lruOlder;
    PoolHandle<T> lruNewer;
    PoolHandle<T> groupPrev;
    PoolHandle<T> groupNext;
    PoolHandle<T> affinityPrev;
    PoolHandle<T> affinityNext;
    /** Chains handles that left the pool under the lock and still have to be reported. */
    PoolHandle<T> nextEvicted;
    EvictionCause cause;

    PoolHandle(ConnectionMeta meta, T connection, int affinity, long deadline) {
        this.meta = meta;
        this.connection = connection;
        this.affinity = affinity;
        this.deadline = deadline;
    }

    /** Returns the meta the connection was released with. */
    public ConnectionMeta meta() {
        return meta;
    }

    /** Returns the affinity hint the connection was released with, or {@link ConnectionPool#NO_AFFINITY}. */
    public int affinity() {
        return affinity;
    }

    /** Returns the handle's state; a moment's value, as another thread may change it at once. */
    public State state() {
        return (State) STATE.getAcquire(this);
    }

    /** Returns whether the connection is still idle in the pool. */
    public boolean isIdle() {
        return state() == State.IDLE;
    }

    void setState(State newState) {
        STATE.setRelease(this, newState);
    }

    /** Returns whether the connection's idle timeout has passed at {@code now}. */
    boolean expiredAt(long now) {
        return deadline != NO_DEADLINE && now - deadline >= 0;
    }

    @Override
    public String toString() {
        return "PoolHandle(" + meta + ", affinity=" + affinity + ", " + state() + ')';
    }
}
