/**
 * A generic pool of idle upstream connections: one capacity for the whole pool, strict least-recently-
 * released eviction across groups, most-recently-released reuse within a group, event-loop affinity
 * and idle timeouts. Mirrors the {@code pingora-pool} crate and, like it, knows nothing of sockets:
 * pingora-core puts Netty channels in it and watches them while idle.
 *
 * <p>Starting points:
 * <ul>
 *   <li>{@link org.pingora4j.pool.ConnectionPool}: {@code put}, {@code get}, {@code popClosed};</li>
 *   <li>{@link org.pingora4j.pool.ConnectionPoolBuilder}: capacity, overshoot and trim semantics;</li>
 *   <li>{@link org.pingora4j.pool.GroupKey} and {@link org.pingora4j.pool.ConnectionMeta}: what
 *       identifies a group and a connection;</li>
 *   <li>{@link org.pingora4j.pool.EvictionListener}: how the owner learns to close a connection.</li>
 * </ul>
 */
package org.pingora4j.pool;
