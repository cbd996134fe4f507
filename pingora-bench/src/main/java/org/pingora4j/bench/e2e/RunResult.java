package org.pingora4j.bench.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The figures of one timed run (one proxy, one shape, one round), read from the raw files
 * {@code e2e/run.sh} leaves in the run's directory:
 * <ul>
 * <li>{@code wrk.txt}: wrk's output (several for the burst shape);</li>
 * <li>{@code stub-before.txt}, {@code stub-after.txt}: the origin's {@code stub_status} around it;</li>
 * <li>{@code cpu.txt}: {@code ticksBefore ticksAfter ticksPerSecond}, utime+stime of all the proxy's
 *     processes (absent for the origin hit directly);</li>
 * <li>{@code rss.txt}: the proxy's peak resident set, VmHWM summed over its processes, in kB.</li>
 * </ul>
 * A figure whose file is missing or unreadable (a status request that failed) is NaN.
 *
 * @param shape the shape's id
 * @param proxy the proxy's id
 * @param round the round, from 1
 * @param wrk what the load generator saw
 * @param newConnections connections the origin accepted during the run
 * @param originRequests requests the origin served during the run
 * @param cpuMicrosPerRequest proxy CPU time per completed request, µs
 * @param peakRssMiB the proxy's peak resident memory, MiB
 */
public record RunResult(String shape, String proxy, int round, WrkResult wrk, double newConnections,
        double originRequests, double cpuMicrosPerRequest, double peakRssMiB) {

    /** The header of {@link #csvRow()}. */
    public static final String CSV_HEADER = "shape,proxy,round,requests,seconds,req_per_s,p50_ms,p99_ms,errors,"
            + "origin_new_conns,origin_requests,reuse,cpu_us_per_req,peak_rss_mib";

    /** Reads the run in {@code dir}. */
    public static RunResult read(Path dir, String shape, String proxy, int round) {
        WrkResult wrk = WrkResult.parse(text(dir.resolve("wrk.txt")));
        double newConns = Double.NaN;
        double originRequests = Double.NaN;
        StubStatus before = stub(dir.resolve("stub-before.txt"));
        StubStatus after = stub(dir.resolve("stub-after.txt"));
        if (before != null && after != null) {
            // The status request itself is one request on one new connection.
            newConns = after.accepts() - before.accepts() - 1;
            originRequests = after.requests() - before.requests() - 1;
        }
        double cpu = Double.NaN;
        if (Files.exists(dir.resolve("cpu.txt"))) {
            String[] f = text(dir.resolve("cpu.txt")).trim().split("\\s+");
            double seconds = (Double.parseDouble(f[1]) - Double.parseDouble(f[0])) / Double.parseDouble(f[2]);
            cpu = wrk.requests() > 0 ? seconds * 1e6 / wrk.requests() : Double.NaN;
        }
        double rss = Double.NaN;
        if (Files.exists(dir.resolve("rss.txt"))) {
            rss = Double.parseDouble(text(dir.resolve("rss.txt")).trim()) / 1024;
        }
        return new RunResult(shape, proxy, round, wrk, newConns, originRequests, cpu, rss);
    }

    /** The status page in {@code file}, or null if it is missing or the request for it failed. */
    private static StubStatus stub(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return StubStatus.parse(text(file));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** 1 - new upstream connections / requests the origin served. */
    public double reuse() {
        return originRequests > 0 ? 1 - newConnections / originRequests : Double.NaN;
    }

    /** One line of {@code results.csv}. */
    public String csvRow() {
        return String.join(",", shape, proxy, Integer.toString(round), Long.toString(wrk.requests()),
                num(wrk.seconds()), num(wrk.requestsPerSecond()), num(wrk.p50Ms()), num(wrk.p99Ms()),
                Long.toString(wrk.errors()), num(newConnections), num(originRequests), num(reuse()),
                num(cpuMicrosPerRequest), num(peakRssMiB));
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.4f", v);
    }

    static String text(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
