package org.pingora4j.bench.pool;

import java.time.Duration;
import org.pingora4j.pool.ConnectionPool;
import org.pingora4j.pool.ConnectionPoolBuilder;
import org.pingora4j.pool.GroupKey;

/** The pools a benchmark compares, selected by JMH {@code @Param}. */
public enum PoolType {
    /** {@link ConnectionPool} as the connectors use it without idle timeouts. */
    PINGORA4J {
        @Override
        BenchPool create(int capacity) {
            return new Pingora4j(capacity, null);
        }
    },
    /** {@link ConnectionPool} with a 60 s idle timeout on every put: adds a clock read per op. */
    PINGORA4J_IDLE_TIMEOUT {
        @Override
        BenchPool create(int capacity) {
            return new Pingora4j(capacity, Duration.ofSeconds(60));
        }
    },
    /** The baseline: a {@code synchronized} {@code LinkedHashMap} LRU with per-group deques. */
    SYNCHRONIZED_LRU {
        @Override
        BenchPool create(int capacity) {
            return new SynchronizedLruPool(capacity);
        }
    };

    abstract BenchPool create(int capacity);

    /** The operations the benchmarks drive, so every pool runs the same harness code. */
    interface BenchPool {
        Conn get(GroupKey key);

        void put(Conn conn);
    }

    private static final class Pingora4j implements BenchPool {
        private final ConnectionPool<Conn> pool;
        private final Duration idleTimeout;

        Pingora4j(int capacity, Duration idleTimeout) {
            this.pool = ConnectionPool.<Conn>builder()
                    .capacity(capacity)
                    .trimDelay(ConnectionPoolBuilder.DEFAULT_TRIM_DELAY)
                    .build();
            this.idleTimeout = idleTimeout;
        }

        @Override
        public Conn get(GroupKey key) {
            return pool.get(key);
        }

        @Override
        public void put(Conn conn) {
            pool.put(conn.meta, conn, ConnectionPool.NO_AFFINITY, idleTimeout);
        }
    }
}
