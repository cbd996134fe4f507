package org.pingora4j.bench.pool;

import org.pingora4j.pool.ConnectionMeta;
import org.pingora4j.pool.GroupKey;

/** A stand-in for a pooled connection: just its meta. */
final class Conn {
    final ConnectionMeta meta;

    Conn(GroupKey key) {
        this.meta = ConnectionMeta.create(key);
    }
}
