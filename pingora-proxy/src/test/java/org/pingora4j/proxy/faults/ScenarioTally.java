package org.pingora4j.proxy.faults;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The numbers the closing note asks for, per scenario: requests sent, faults injected by
 * kind, and failures the client saw (an expected 502 or truncated response counts: it is what the
 * client saw). Printed as one "SCENARIO" line.
 */
final class ScenarioTally {

    private final String name;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger clientFailures = new AtomicInteger();
    private final Map<String, Integer> faults = new TreeMap<>();
    private final StringBuilder notes = new StringBuilder();

    ScenarioTally(String name) {
        this.name = name;
    }

    void request() {
        requests.incrementAndGet();
    }

    void requests(int n) {
        requests.addAndGet(n);
    }

    synchronized void fault(String kind) {
        faults.merge(kind, 1, Integer::sum);
    }

    void clientFailure() {
        clientFailures.incrementAndGet();
    }

    void clientFailures(int n) {
        clientFailures.addAndGet(n);
    }

    /** Counts {@code response} as a client-visible failure unless it is a complete 2xx. */
    RawResponse saw(RawResponse response) {
        request();
        if (response.status() < 200 || response.status() > 299 || !response.complete()) {
            clientFailure();
        }
        return response;
    }

    /** Adds a measurement to the summary line. */
    synchronized void note(String text) {
        notes.append(' ').append(text);
    }

    synchronized String summary() {
        return "SCENARIO " + name + " requests=" + requests.get() + " faults=" + faults
                + " clientVisibleFailures=" + clientFailures.get() + notes;
    }
}
