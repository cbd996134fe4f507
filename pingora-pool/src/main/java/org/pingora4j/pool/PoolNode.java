package org.pingora4j.pool;

import java.util.Arrays;

/**
 * The idle connections of one {@link GroupKey}. Mirrors pingora's {@code PoolNode}.
 *
 * <p>Pingora splits a node into a lock-free "hot queue" of 16 and a locked overflow map, and hands
 * out connections in neither LRU nor MRU order. Here a node is two kinds of intrusive stacks, both
 * most-recently-released first:
 * <ul>
 *   <li>the group stack, holding every idle connection of the group;</li>
 *   <li>one stack per affinity hint (the releasing event loop's index, say), holding the idle
 *       connections released with that hint.</li>
 * </ul>
 * Taking from the top (LIFO) hands out the warmest connection, the one least likely to have been
 * closed by the origin's keep-alive timer, and leaves the surplus at the bottom to idle out or be
 * evicted. Every operation is O(1) and allocation free once the affinity slot exists.
 *
 * <p>All mutable state is guarded by the owning {@link ConnectionPool}'s lock; instances are only
 * ever observed through {@link ConnectionPool#group(GroupKey)}.
 *
 * @param <T> the pooled connection type
 */
public final class PoolNode<T> {

    /** The largest affinity hint a pool accepts; hints index a per-node array. */
    static final int MAX_AFFINITY = 4095;

    private static final int MIN_AFFINITY_SLOTS = 8;

    private final GroupKey key;
    private final ConnectionPool<T> pool;
    /** Most recently released idle connection of the group, or null when empty. */
    private PoolHandle<T> top;
    private int size;
    /** Per-affinity stack tops; grown on demand to the next power of two. */
    private PoolHandle<T>[] affinityTops;

    // Links in the pool's list of empty nodes awaiting reclamation; see EmptyNodes.
    PoolNode<T> emptyPrev;
    PoolNode<T> emptyNext;
    boolean inEmptyList;
    /** Set once the node left the pool's map; a removed node is never reused. */
    boolean removed;

    PoolNode(GroupKey key, ConnectionPool<T> pool) {
        this.key = key;
        this.pool = pool;
    }

    /** Returns the group this node holds. */
    public GroupKey key() {
        return key;
    }

    /** Returns how many connections of this group are idle now. */
    public int idleCount() {
        return pool.idleCountOf(this);
    }

    ConnectionPool<T> pool() {
        return pool;
    }

    int size() {
        return size;
    }

    /** Returns the idle handle of connection {@code id}, or null; O(idle connections of the group). */
    PoolHandle<T> find(long id) {
        for (PoolHandle<T> h = top; h != null; h = h.groupNext) {
            if (h.meta.id() == id) {
                return h;
            }
        }
        return null;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Pushes {@code handle} on top of the group stack and of its affinity stack. */
    void push(PoolHandle<T> handle) {
        handle.node = this;
        handle.groupNext = top;
        if (top != null) {
            top.groupPrev = handle;
        }
        top = handle;
        int affinity = handle.affinity;
        if (affinity >= 0) {
            PoolHandle<T>[] tops = affinitySlots(affinity);
            PoolHandle<T> previous = tops[affinity];
            handle.affinityNext = previous;
            if (previous != null) {
                previous.affinityPrev = handle;
            }
            tops[affinity] = handle;
        }
        size++;
    }

    /**
     * Returns the connection {@link ConnectionPool#get} should take: the most recently released one
     * with the same affinity if there is one, otherwise the most recently released one of the group.
     * Does not remove it.
     */
    PoolHandle<T> peek(int affinity) {
        if (affinity >= 0 && affinityTops != null && affinity < affinityTops.length) {
            PoolHandle<T> sameLoop = affinityTops[affinity];
            if (sameLoop != null) {
                return sameLoop;
            }
        }
        return top;
    }

    /** Unlinks {@code handle} from both of its stacks. */
    void unlink(PoolHandle<T> handle) {
        assert handle.node == this : "handle of another group";
        PoolHandle<T> prev = handle.groupPrev;
        PoolHandle<T> next = handle.groupNext;
        if (prev == null) {
            top = next;
        } else {
            prev.groupNext = next;
        }
        if (next != null) {
            next.groupPrev = prev;
        }
        handle.groupPrev = null;
        handle.groupNext = null;

        int affinity = handle.affinity;
        if (affinity >= 0) {
            PoolHandle<T> aprev = handle.affinityPrev;
            PoolHandle<T> anext = handle.affinityNext;
            if (aprev == null) {
                affinityTops[affinity] = anext;
            } else {
                aprev.affinityNext = anext;
            }
            if (anext != null) {
                anext.affinityPrev = aprev;
            }
            handle.affinityPrev = null;
            handle.affinityNext = null;
        }
        size--;
        assert size >= 0;
    }

    private PoolHandle<T>[] affinitySlots(int affinity) {
        PoolHandle<T>[] tops = affinityTops;
        if (tops == null || affinity >= tops.length) {
            int length = Math.max(MIN_AFFINITY_SLOTS, Integer.highestOneBit(affinity) << 1);
            if (tops == null) {
                @SuppressWarnings("unchecked")
                PoolHandle<T>[] fresh = (PoolHandle<T>[]) new PoolHandle<?>[length];
                tops = fresh;
            } else {
                tops = Arrays.copyOf(tops, length);
            }
            affinityTops = tops;
        }
        return tops;
    }

    @Override
    public String toString() {
        return "PoolNode(" + key + ", idle=" + size + ')';
    }
}
