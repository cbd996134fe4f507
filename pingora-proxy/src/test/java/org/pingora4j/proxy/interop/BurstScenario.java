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
 * the proxy to an origin that closes keep-alive connections idle for one second, with wall-clock gaps
 * of 1.0 s and 1.1 s between them: the first lands right where the origin's timer fires (the proxy
 * may pick a connection the origin is closing), the second after it (every pooled connection is dead
 * and must be noticed). A GET must never fail: the proxy retries it on a fresh connection. A POST
 * may fail only with a 502 (the origin may have received it), and must never reach the origin twice.
 */
final class BurstScenario {

    static final int BURSTS = 3;
    static final int PER_BURST = 1600;
    static final int CONNECTIONS = 24;
    private static final Duration[] GAPS = {Duration.ofMillis(1000), Duration.ofMillis(1100)};

    private BurstScenario() {
    }

    /**
     * Runs the bursts (every fourth request a POST if {@code posts}), checks resources after each, and
     * asserts what the clients saw. Request ids start at {@code firstId}, unique per origin.
     */
    static Burst.Tally run(String scenario, InteropProxy proxy, Resources resources, boolean posts, int firstId)
            throws Exception {
        Burst.Tally tally = new Burst.Tally();
        ConnectorStats before = proxy.stats();
        for (int b = 0; b < BURSTS; b++) {
            if (b > 0) {
                Await.wallClock(GAPS[b - 1]);
            }
            Burst.run(proxy.port(), firstId + b * PER_BURST, PER_BURST, CONNECTIONS, posts, tally);
            resources.assertBackToBaseline(scenario + " burst " + (b + 1));
        }
        resources.awaitPoolEmpty(scenario + " after the bursts");
        resources.assertBackToBaseline(scenario + " after the bursts");
        ConnectorStats stats = proxy.stats();
        System.err.println("interop " + scenario + ": " + tally + " | proxy errors so far " + proxy.errors() + " | "
                + stats);

        assertEquals(BURSTS * PER_BURST, tally.sent.get());
        assertEquals(0, tally.getFailed.sum(), scenario + ": client-visible GET failures: " + tally);
        assertEquals(0, tally.postFailed.sum(), scenario + ": POST failures other than 502: " + tally);
        // The premise: the origin did close pooled connections under the proxy, and the pool saw it.
        assertTrue(stats.idleClosed() + stats.staleOnCheckout() > before.idleClosed() + before.staleOnCheckout(),
                scenario + ": the origin closed no pooled connection, so nothing was tested: " + stats);
        assertTrue(stats.reused() > before.reused(), scenario + ": the proxy never reused a connection: " + stats);
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
