package org.pingora4j.proxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.testing.LeakCheckExtension;

/**
 * Bursts of concurrent requests through a small pool: every burst makes more upstream connections
 * than the pool may keep, and all of them are released at about the same time. The pool must never
 * hold more than its ceiling (sampled every millisecond), and the connections it does not keep must
 * be closed at both ends.
 */
@ExtendWith(LeakCheckExtension.class)
final class PoolCeilingTest {

    private static final int CONCURRENT = 16;
    private static final int BURSTS = 5;
    private static final int POOL_SIZE = 2;
    private static final int MAX_IDLE = 3;

    @Test
    void burstsWiderThanThePoolNeverPushItOverItsCeiling() throws Exception {
        // Holds each burst's requests at the origin until all of them arrived, so that the burst
        // really uses CONCURRENT upstream connections at once.
        CyclicBarrier allArrived = new CyclicBarrier(CONCURRENT);
        RawOrigin.Script script = ex -> {
            allArrived.await(10, TimeUnit.SECONDS);
            ex.reply(200, "burst");
        };
        ConnectorOptions smallPool = ConnectorOptions.builder()
                .keepalivePoolSize(POOL_SIZE).keepalivePoolMaxIdle(MAX_IDLE).build();
        ExecutorService clients = Executors.newFixedThreadPool(CONCURRENT);
        try {
            FaultScenario.run("pool-ceiling-bursts", Duration.ofSeconds(10), smallPool, MAX_IDLE, script,
                    (proxy, origin, phases, tally) -> {
                        for (int burst = 0; burst < BURSTS; burst++) {
                            List<Future<RawResponse>> responses = new ArrayList<>();
                            for (int i = 0; i < CONCURRENT; i++) {
                                responses.add(clients.submit(() -> proxy.probe("/burst")));
                            }
                            for (Future<RawResponse> response : responses) {
                                RawResponse r = tally.saw(response.get(20, TimeUnit.SECONDS));
                                assertEquals(200, r.status(), r.toString());
                                assertTrue(r.complete(), r.toString());
                            }
                        }
                        assertEquals(MAX_IDLE, proxy.service.connector().stats().pool().maxIdle());
                        assertTrue(origin.accepted() > MAX_IDLE, "the bursts outgrew the pool: " + origin.accepted());
                        tally.note("upstreamConnections=" + origin.accepted()
                                + " pool=" + proxy.service.connector().stats().pool());
                    });
        } finally {
            clients.shutdownNow();
        }
    }
}
