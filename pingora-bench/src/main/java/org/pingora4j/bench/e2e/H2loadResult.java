package org.pingora4j.bench.e2e;

import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one h2load run printed (nghttp2's HTTP/2 load generator, the client of the HTTP/2 downstream
 * shape), with the latencies of its {@code --log-file} if there is one.
 *
 * <p>With {@code -D}, h2load's {@code req/s} is the requests done over the main duration (its
 * {@code finished in} also counts {@code --warm-up-time}), so the measured time is taken as done ÷
 * req/s. Its {@code failed} counts every request that did not end in a 2xx or 3xx: non-2xx/3xx
 * answers and, as its subset {@code errored}, resets, connection failures and timeouts; that is
 * the client-visible error count, as wrk's socket errors plus non-2xx/3xx. h2load prints no
 * percentiles: they come from the log, one line per request ({@code start µs, status, µs to the end
 * of the response}), nearest rank.
 *
 * @param requests requests done (answered or failed) in the main duration
 * @param seconds the main duration
 * @param succeeded requests answered with a 2xx or 3xx
 * @param failed requests not answered with a 2xx or 3xx
 * @param errored the failed requests that got no answer at all (reset, connection lost, timeout)
 * @param protocol the application protocol h2load negotiated ({@code h2}, {@code http/1.1}), empty
 *     if it printed none (no connection succeeded)
 * @param p50Ms median latency, ms (NaN without a log or a request in it)
 * @param p99Ms 99th percentile latency, ms (NaN without a log or a request in it)
 * @param maxMs the slowest request, ms (NaN without a log or a request in it)
 */
public record H2loadResult(long requests, double seconds, long succeeded, long failed, long errored, String protocol,
        double p50Ms, double p99Ms, double maxMs) {

    private static final Pattern FINISHED = Pattern.compile(
            "finished in ([\\d.]+)(us|ms|s|m|h), ([\\d.]+) req/s");
    private static final Pattern REQUESTS = Pattern.compile(
            "requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored");
    private static final Pattern PROTOCOL = Pattern.compile("Application protocol: (\\S+)");

    /**
     * Parses h2load's output and, if not null, its per-request log.
     *
     * @throws IllegalArgumentException if the output holds no summary ({@code finished in},
     *     {@code requests:})
     */
    public static H2loadResult parse(String output, String log) {
        Matcher finished = FINISHED.matcher(output);
        Matcher counts = REQUESTS.matcher(output);
        if (!finished.find() || !counts.find()) {
            throw new IllegalArgumentException("no h2load summary (\"finished in\", \"requests:\") in the output");
        }
        double finishedSeconds = toMillis(Double.parseDouble(finished.group(1)), finished.group(2)) / 1000;
        double perSecond = Double.parseDouble(finished.group(3));
        long done = Long.parseLong(counts.group(3));
        double seconds = perSecond > 0 ? done / perSecond : finishedSeconds;
        Matcher protocol = PROTOCOL.matcher(output);
        String proto = protocol.find() ? protocol.group(1) : "";
        double[] latencies = log == null ? new double[0] : latenciesMs(log);
        return new H2loadResult(done, seconds, Long.parseLong(counts.group(4)), Long.parseLong(counts.group(5)),
                Long.parseLong(counts.group(6)), proto, percentile(latencies, 50), percentile(latencies, 99),
                latencies.length == 0 ? Double.NaN : latencies[latencies.length - 1]);
    }

    /** The figures the report shares with wrk's runs; errors are {@link #failed()}. */
    public WrkResult asLoadResult() {
        return new WrkResult(requests, seconds, failed, requests > 0 ? p50Ms : Double.NaN,
                requests > 0 ? p99Ms : Double.NaN, requests > 0 ? maxMs : Double.NaN);
    }

    /** The third column of every well-formed log line, in ms, sorted. */
    static double[] latenciesMs(String log) {
        double[] out = new double[64];
        int n = 0;
        int start = 0;
        int length = log.length();
        while (start < length) {
            int end = log.indexOf('\n', start);
            if (end < 0) {
                end = length;
            }
            int tab1 = log.indexOf('\t', start);
            int tab2 = tab1 < 0 || tab1 >= end ? -1 : log.indexOf('\t', tab1 + 1);
            if (tab2 >= 0 && tab2 < end) {
                int tab3 = log.indexOf('\t', tab2 + 1);
                String micros = log.substring(tab2 + 1, tab3 >= 0 && tab3 < end ? tab3 : end).trim();
                if (!micros.isEmpty() && micros.chars().allMatch(Character::isDigit)) {
                    if (n == out.length) {
                        out = Arrays.copyOf(out, n * 2);
                    }
                    out[n++] = Long.parseLong(micros) / 1000.0;
                }
            }
            start = end + 1;
        }
        out = Arrays.copyOf(out, n);
        Arrays.sort(out);
        return out;
    }

    /** The nearest-rank percentile of sorted values; NaN if there are none. */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static double toMillis(double value, String unit) {
        return switch (unit) {
            case "us" -> value / 1000;
            case "ms" -> value;
            case "s" -> value * 1000;
            case "m" -> value * 60_000;
            case "h" -> value * 3_600_000;
            default -> throw new IllegalArgumentException("unit " + unit);
        };
    }
}
