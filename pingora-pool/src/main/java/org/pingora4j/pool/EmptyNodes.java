package org.pingora4j.pool;

/**
 * Groups that have no idle connection left and wait to be dropped from the pool's map, oldest first.
 *
 * <p>Pingora used to keep empty nodes forever (issue #748) and now drops one the moment it empties.
 * Dropping at once makes a busy group that swings between zero and one idle connection allocate a
 * node and a map entry on every release. So an empty node lingers here until the next maintenance
 * pass (at most one trim delay later) or until more than {@link ConnectionPool#MAX_EMPTY_GROUPS}
 * nodes are empty, whichever comes first; then it leaves the map for good. A stream of distinct keys
 * therefore leaves at most that many empty nodes behind, and none once the pool has been quiet for a
 * trim delay.
 *
 * <p>Guarded by the pool's lock. An intrusive list through {@link PoolNode#emptyPrev}/
 * {@link PoolNode#emptyNext}.
 *
 * @param <T> the pooled connection type
 */
final class EmptyNodes<T> {

    private PoolNode<T> oldest;
    private PoolNode<T> newest;
    private int size;

    int size() {
        return size;
    }

    PoolNode<T> oldest() {
        return oldest;
    }

    void add(PoolNode<T> node) {
        assert !node.inEmptyList && node.isEmpty();
        node.inEmptyList = true;
        node.emptyPrev = newest;
        node.emptyNext = null;
        if (newest == null) {
            oldest = node;
        } else {
            newest.emptyNext = node;
        }
        newest = node;
        size++;
    }

    void remove(PoolNode<T> node) {
        assert node.inEmptyList;
        PoolNode<T> prev = node.emptyPrev;
        PoolNode<T> next = node.emptyNext;
        if (prev == null) {
            oldest = next;
        } else {
            prev.emptyNext = next;
        }
        if (next == null) {
            newest = prev;
        } else {
            next.emptyPrev = prev;
        }
        node.emptyPrev = null;
        node.emptyNext = null;
        node.inEmptyList = false;
        size--;
    }
}
