package org.pingora4j.pool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

final class ConnectionMetaTest {

    @Test
    void idsAreUniqueAcrossThreads() throws InterruptedException {
        Set<Long> ids = ConcurrentHashMap.newKeySet();
        int threads = 4;
        int perThread = 100_000;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    long id = ConnectionMeta.create(GroupKey.of(1)).id();
                    assertTrue(id > 0);
                    ids.add(id);
                }
            });
            workers.add(worker);
            worker.start();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        assertEquals(threads * perThread, ids.size());
    }

    @Test
    void idsIncreaseMonotonically() {
        long previous = ConnectionMeta.create(GroupKey.of(1)).id();
        for (int i = 0; i < 1000; i++) {
            long id = ConnectionMeta.create(GroupKey.of(1)).id();
            assertTrue(id > previous);
            previous = id;
        }
    }

    @Test
    void rejectsBadComponents() {
        assertEquals("id: 0 (expected: > 0)",
                assertThrows(IllegalArgumentException.class, () -> new ConnectionMeta(GroupKey.of(1), 0)).getMessage());
        assertEquals("key", assertThrows(NullPointerException.class, () -> new ConnectionMeta(null, 1)).getMessage());
        assertEquals("identity", assertThrows(NullPointerException.class, () -> GroupKey.of(1, null)).getMessage());
    }

    @Test
    void groupKeyEqualityUsesHashAndIdentity() {
        assertEquals(GroupKey.of(7), GroupKey.of(7));
        assertEquals(GroupKey.of(7, "x"), GroupKey.of(7, "x"));
        assertTrue(!GroupKey.of(7, "x").equals(GroupKey.of(7)));
        assertTrue(!GroupKey.of(7, "x").equals(GroupKey.of(8, "x")));
        assertEquals("GroupKey(ff, peer)", GroupKey.of(255, "peer").toString());
    }
}
