package org.pingora4j.bench.e2e;

import java.util.HashMap;
import java.util.Map;

/**
 * pingora4j's own count of its upstream sessions, as {@code PingoraBenchProxy --stats} serves it
 * ({@code name value} lines from {@code connector().stats()}): a timed phase's figures are the
 * differences of two pages, taken before and after it.
 *
 * @param sessions upstream sessions handed out (one per request; on HTTP/2 one per stream)
 * @param reused sessions on a connection that already existed (pooled, or an HTTP/2 connection with
 *     a free stream)
 * @param connectsOk upstream connections established
 */
public record ConnectorCounters(long sessions, long reused, long connectsOk) {

    /**
     * Parses the page.
     *
     * @throws IllegalArgumentException if {@code sessions}, {@code reused} or {@code connects_ok} is
     *     missing (a page served before the service started is empty)
     */
    public static ConnectorCounters parse(String text) {
        Map<String, Long> values = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2 && f[1].matches("\\d+")) {
                values.put(f[0], Long.parseLong(f[1]));
            }
        }
        if (!values.containsKey("sessions") || !values.containsKey("reused") || !values.containsKey("connects_ok")) {
            throw new IllegalArgumentException("not a connector stats page");
        }
        return new ConnectorCounters(values.get("sessions"), values.get("reused"), values.get("connects_ok"));
    }

    /** What happened between {@code before} and this page. */
    public ConnectorCounters minus(ConnectorCounters before) {
        return new ConnectorCounters(sessions - before.sessions, reused - before.reused, connectsOk - before.connectsOk);
    }

    /** The share of sessions that did not open a connection; NaN without sessions. */
    public double reuseRatio() {
        return sessions > 0 ? (double) reused / sessions : Double.NaN;
    }
}
