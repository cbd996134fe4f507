package org.pingora4j.pool;

/** Why the pool dropped an idle connection on its own initiative. */
public enum EvictionCause {
    /**
     * The pool was over its capacity: the least recently released connection made room. Mirrors
     * pingora's LRU eviction ({@code lru.rs}).
     */
    CAPACITY,
    /** The connection stayed idle past the idle timeout it was released with. */
    EXPIRED,
    /** The pool was closed ({@link ConnectionPool#close()}); mirrors pingora's LRU {@code drain}. */
    SHUTDOWN
}
