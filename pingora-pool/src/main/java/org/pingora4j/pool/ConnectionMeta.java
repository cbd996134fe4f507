package org.pingora4j.pool;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What the pool knows about one connection: the group it belongs to and an id that names it.
 * Mirrors pingora's {@code ConnectionMeta}.
 *
 * <p>Pingora uses the socket's file descriptor as the id; the kernel hands the same number to the
 * next socket as soon as one closes, so a stale reference can remove a different, healthy
 * connection. Ids made by {@link #create(GroupKey)} come from one JVM-wide monotonic counter and are
 * never reused while the JVM runs, so they are unique within every pool's life. Create the meta once
 * per connection, when it is established, and use it for every release of that connection.
 *
 * @param key the group of interchangeable connections this one belongs to
 * @param id the connection's unique id, greater than zero
 */
public record ConnectionMeta(GroupKey key, long id) {

    private static final AtomicLong NEXT_ID = new AtomicLong();

    /**
     * Validates the components.
     *
     * @throws NullPointerException if {@code key} is null
     * @throws IllegalArgumentException if {@code id} is not positive
     */
    public ConnectionMeta {
        if (key == null) {
            throw new NullPointerException("key");
        }
        if (id <= 0) {
            throw new IllegalArgumentException("id: " + id + " (expected: > 0)");
        }
    }

    /** Returns the meta of a new connection of group {@code key}, with a fresh unique id. */
    public static ConnectionMeta create(GroupKey key) {
        return new ConnectionMeta(key, NEXT_ID.incrementAndGet());
    }
}
