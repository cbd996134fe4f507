package org.pingora4j.pool;

import java.util.ArrayList;
import java.util.List;

/** Records every eviction report, in order. */
final class RecordingListener<T> implements EvictionListener<T> {

    record Eviction<T>(ConnectionMeta meta, T connection, EvictionCause cause) { }

    private final List<Eviction<T>> evictions = new ArrayList<>();

    @Override
    public synchronized void onEviction(ConnectionMeta meta, T connection, EvictionCause cause) {
        evictions.add(new Eviction<>(meta, connection, cause));
    }

    synchronized List<Eviction<T>> evictions() {
        return List.copyOf(evictions);
    }

    synchronized List<T> connections() {
        return evictions.stream().map(Eviction::connection).toList();
    }

    synchronized int count() {
        return evictions.size();
    }
}
