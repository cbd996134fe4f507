package org.pingora4j.bench.e2e;

import java.util.ArrayList;
import java.util.List;

/**
 * Time from a fresh start to 90% of steady throughput, from a proxy loaded in back-to-back 1 s
 * windows right after it first answered. Steady throughput is the median of the last
 * {@value #STEADY_WINDOWS} windows.
 *
 * @param firstResponseSeconds launch to the first successful response
 * @param steadyRequestsPerSecond the median of the last windows
 * @param secondsTo90 launch to the end of the first window at ≥ 90% of steady; NaN if none was
 */
public record Startup(double firstResponseSeconds, double steadyRequestsPerSecond, double secondsTo90) {

    static final int STEADY_WINDOWS = 5;

    /**
     * Parses {@code windows.txt} (one {@code secondsSinceLaunchAtWindowEnd requestsPerSecond} a
     * line) with the first-response time.
     */
    public static Startup parse(double firstResponseSeconds, String windows) {
        List<double[]> w = new ArrayList<>();
        for (String line : windows.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 2) {
                w.add(new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1])});
            }
        }
        List<Double> last = new ArrayList<>();
        for (int i = Math.max(0, w.size() - STEADY_WINDOWS); i < w.size(); i++) {
            last.add(w.get(i)[1]);
        }
        double steady = Stats.median(last);
        double to90 = Double.NaN;
        for (double[] window : w) {
            if (window[1] >= 0.9 * steady) {
                to90 = window[0];
                break;
            }
        }
        return new Startup(firstResponseSeconds, steady, to90);
    }
}
