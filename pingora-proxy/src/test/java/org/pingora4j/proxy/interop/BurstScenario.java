package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.pingora4j.proxy.Await;
import org.pingora4j.core.connectors.http.ConnectorStats;

/**
 * Three bursts of {@value #PER_BURST} requests on {@value #CONNECTIONS} client connections through
 * the proxy to an origin that closes keep-alive connections idle for one second, and closes a reused
 * connection instead of answering a request that asks it to ({@code close=1}, one request in
 * {@value Burst#CLOSE_EVERY}). Each burst checks that the races it is there for happened:
 * <ul>
 *   <li>in every burst, the origin closed connections under requests the proxy sent on them (what
 *       the proxy meets when it picks a pooled connection the origin is closing): the GETs were
 *       retried, the POSTs answered 502;</li>
 *   <li>before the second and third, a wall-clock gap of {@link #GAP} (past the origin's keep-alive
 *       timeout) kills every pooled connection, and each must be noticed (by the pool's idle watcher
 *       or at checkout) rather than used.</li>
 * </ul>
 * A GET must never fail: the proxy retries it on a fresh connection. A POST may fail only with a 502
 * (the origin may have received it), and must never reach the origin twice.
 *
 * <p>Aiming a burst at the origin's keep-alive timer instead (a 1.0 s gap) was measured not to race
 * at all: by the time the burst starts, the idle watcher has seen every close, and no checkout was
 * stale and no request retried. Hence the close on command.
 */
final class BurstScenario {

    static final int BURSTS = 3;
    static final int PER_BURST = 1600;
    static final int CONNECTIONS = 24;
    /** Past the origins' 1 s keep-alive timeout, with a margin for their timers. */
    private static final Duration GAP = Duration.ofMillis(1200);

    private BurstScenario() {
    }

    /**
     * Runs the bursts (every fourth request a POST if {@code posts}), checks after each the races it
     * was for and the resources, and asserts what the clients saw. Request ids start at
     * {@code firstId}, unique per origin.
     */
    static Burst.Tally run(String scenario, InteropProxy proxy, Resources resources, boolean posts, int firstId)
            throws Exception {
        Burst.Tally tally = new Burst.Tally();
        for (int b = 0; b < BURSTS; b++) {
            String burst = scenario + " burst " + (b + 1);
            ConnectorStats before = proxy.stats();
            long retriesBefore = proxy.retries();
            long post502Before = tally.post502.sum();
            if (b > 0) {
                Await.wallClock(GAP);
            }
            Burst.run(proxy.port(), firstId + b * PER_BURST, PER_BURST, CONNECTIONS, posts, tally);
            ConnectorStats after = proxy.stats();
            long retried = proxy.retries() - retriesBefore;
            long post502 = tally.post502.sum() - post502Before;
            long noticedDead = after.idleClosed() + after.staleOnCheckout() - before.idleClosed() - before.staleOnCheckout();
            System.err.println("interop " + burst + ": pooled before=" + before.pool().idle() + " noticed dead="
                    + noticedDead + " (stale on checkout " + (after.staleOnCheckout() - before.staleOnCheckout())
                    + ") retried=" + retried + " POST 502=" + post502 + " reused=" + (after.reused() - before.reused()));

            assertTrue(retried + post502 > 0, burst + ": the origin closed no connection under a request, so that race"
                    + " was not run: retried " + retried + ", POST 502 " + post502 + " | " + after);
            assertTrue(after.reused() > before.reused(), burst + ": the proxy never reused a connection: " + after);
            if (b > 0) {
                assertTrue(before.pool().idle() > 0, burst + ": the premise: connections were pooled when the gap began");
                assertTrue(noticedDead >= before.pool().idle(), burst + ": " + before.pool().idle() + " connections were"
                        + " pooled when the gap began and all died in it, but only " + noticedDead + " were noticed dead"
                        + " (idle watcher or checkout): " + after);
            }
            resources.assertBackToBaseline(burst);
        }
        resources.awaitPoolEmpty(scenario + " after the bursts");
        resources.assertBackToBaseline(scenario + " after the bursts");
        System.err.println("interop " + scenario + ": " + tally + " | proxy errors so far " + proxy.errors() + " | "
                + proxy.stats());

        assertEquals(BURSTS * PER_BURST, tally.sent.get());
        assertEquals(0, tally.getFailed.sum(), scenario + ": client-visible GET failures: " + tally);
        assertEquals(0, tally.postFailed.sum(), scenario + ": POST failures other than 502: " + tally);
        if (posts) {
            // Answered 502, or (wrongly) sent again, which the origin's log shows: assertNoPostReplayed.
            long postsMetClosed = tally.post502.sum() + proxy.retries("POST");
            assertTrue(postsMetClosed > 0, scenario + ": no POST met a connection the origin closed, so the"
                    + " rule that one is never sent twice was not exercised: " + tally);
        }
        return tally;
    }

    /**
     * Awaits the origin's log ({@code METHOD ID STATUS} lines) holding every request answered in a
     * run whose ids start at {@code firstId}: the origin logs after it answered.
     */
    static void awaitLogged(String origin, Supplier<List<String>> accessLog, int firstId, Burst.Tally tally) {
        long answered = tally.getOk.sum() + tally.postOk.sum();
        Await.until(() -> origin + " logged " + answered + " requests", Duration.ofSeconds(5),
                () -> accessLog.get().stream().map(line -> line.split(" "))
                        .filter(f -> f.length == 3 && f[1].matches("[0-9]+") && Integer.parseInt(f[1]) >= firstId)
                        .count() >= answered);
    }

    /**
     * Checks the origin's log ({@code METHOD ID STATUS} lines): no POST arrived twice (a replayed POST
     * is a duplicated side effect), and every POST a client saw answered arrived exactly once.
     */
    static void assertNoPostReplayed(String origin, List<String> accessLog, Burst.Tally tally) {
        Map<Integer, Integer> postsSeen = new HashMap<>();
        for (String line : accessLog) {
            String[] f = line.split(" ");
            if (f.length == 3 && f[0].equals("POST")) {
                postsSeen.merge(Integer.parseInt(f[1]), 1, Integer::sum);
            }
        }
        List<Integer> twice = postsSeen.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey)
                .sorted().toList();
        assertTrue(twice.isEmpty(), origin + " received these POSTs more than once: " + twice);
        List<Integer> missing = tally.postOkIds.stream().filter(id -> !postsSeen.containsKey(id)).sorted().toList();
        assertTrue(missing.isEmpty(), origin + " never logged these answered POSTs: " + missing);
        System.err.println("interop " + origin + ": " + postsSeen.size() + " distinct POSTs at the origin, none twice");
    }
}
