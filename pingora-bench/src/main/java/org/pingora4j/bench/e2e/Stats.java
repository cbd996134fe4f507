package org.pingora4j.bench.e2e;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Medians, the one statistic the comparison reports (robust to one disturbed round). */
final class Stats {

    private Stats() {
    }

    /** The median of the values that are not NaN; NaN if there are none. */
    static double median(Collection<Double> values) {
        List<Double> sorted = new ArrayList<>();
        for (Double v : values) {
            if (v != null && !v.isNaN()) {
                sorted.add(v);
            }
        }
        if (sorted.isEmpty()) {
            return Double.NaN;
        }
        sorted.sort(null);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
