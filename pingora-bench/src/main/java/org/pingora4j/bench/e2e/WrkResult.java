package org.pingora4j.bench.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one wrk run printed, or several concatenated (the burst shape runs wrk once per burst):
 * requests and seconds are summed, errors too, p50 is the median of the runs' p50s, p99 the
 * worst of their p99s and max the slowest request of them all.
 *
 * @param requests completed requests
 * @param seconds measured time, summed over the runs
 * @param errors client-visible errors: socket errors (connect, read, write, timeout) and non-2xx/3xx
 *     responses
 * @param p50Ms median latency, ms ({@code NaN} without {@code --latency} or without a completed request)
 * @param p99Ms 99th percentile latency, ms ({@code NaN} without {@code --latency} or without a completed
 *     request)
 * @param maxMs the slowest completed request, ms (wrk's "Latency ... Max"; {@code NaN} without a
 *     completed request). A request past wrk's {@code --timeout} is not in it: it is an error.
 */
public record WrkResult(long requests, double seconds, long errors, double p50Ms, double p99Ms, double maxMs) {

    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([\\d.]+)(us|ms|s|m)\\b");
    private static final Pattern SOCKET_ERRORS = Pattern.compile(
            "Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern LATENCY = Pattern.compile(
            "^\\s+Latency\\s+[\\d.]+\\w+\\s+[\\d.]+%?\\w*\\s+([\\d.]+)(us|ms|s|m)\\b", Pattern.MULTILINE);
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)(?:\\.0+)?%\\s+([\\d.]+)(us|ms|s|m)\\s*$",
            Pattern.MULTILINE);

    /** Requests per second over the measured time. */
    public double requestsPerSecond() {
        return seconds > 0 ? requests / seconds : 0;
    }

    /**
     * Parses wrk's output.
     *
     * @throws IllegalArgumentException if the text holds no wrk summary line
     */
    public static WrkResult parse(String text) {
        long requests = 0;
        double seconds = 0;
        int runs = 0;
        Matcher m = REQUESTS.matcher(text);
        while (m.find()) {
            requests += Long.parseLong(m.group(1));
            seconds += toMillis(Double.parseDouble(m.group(2)), m.group(3)) / 1000;
            runs++;
        }
        if (runs == 0) {
            throw new IllegalArgumentException("no wrk summary (\"N requests in T\") in the output");
        }
        long errors = 0;
        m = SOCKET_ERRORS.matcher(text);
        while (m.find()) {
            for (int g = 1; g <= 4; g++) {
                errors += Long.parseLong(m.group(g));
            }
        }
        m = NON_2XX.matcher(text);
        while (m.find()) {
            errors += Long.parseLong(m.group(1));
        }
        List<Double> p50 = new ArrayList<>();
        double p99 = Double.NaN;
        m = PERCENTILE.matcher(text);
        while (m.find()) {
            double ms = toMillis(Double.parseDouble(m.group(2)), m.group(3));
            if (m.group(1).equals("50")) {
                p50.add(ms);
            } else {
                p99 = Double.isNaN(p99) ? ms : Math.max(p99, ms);
            }
        }
        double max = Double.NaN;
        m = LATENCY.matcher(text);
        while (m.find()) {
            double ms = toMillis(Double.parseDouble(m.group(1)), m.group(2));
            max = Double.isNaN(max) ? ms : Math.max(max, ms);
        }
        if (requests == 0) {
            // wrk prints 0.00us percentiles when nothing completed: there is no latency to report.
            return new WrkResult(0, seconds, errors, Double.NaN, Double.NaN, Double.NaN);
        }
        return new WrkResult(requests, seconds, errors, Stats.median(p50), p99, max);
    }

    private static double toMillis(double value, String unit) {
        return switch (unit) {
            case "us" -> value / 1000;
            case "ms" -> value;
            case "s" -> value * 1000;
            case "m" -> value * 60_000;
            default -> throw new IllegalArgumentException("unit " + unit);
        };
    }
}
