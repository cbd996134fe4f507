package org.pingora4j.bench.e2e;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * The figures of one timed run (one proxy, one shape, one round), read from the raw files
 * {@code e2e/run.sh} leaves in the run's directory:
 * <ul>
 * <li>{@code wrk.txt}: wrk's output (several for the burst shape); or, for the HTTP/2 downstream
 *     shape, {@code h2load.txt}, h2load's output, and {@code h2load.log.gz} (or {@code h2load.log}),
 *     its per-request log (see {@link H2loadResult});</li>
 * <li>{@code stub-before.txt}, {@code stub-after.txt}: the origin's {@code stub_status} around it;</li>
 * <li>{@code stub-start.txt} (optional): the origin's {@code stub_status} before the proxy started,
 *     for the upstream connections it opened over its whole life, warm-up included;</li>
 * <li>{@code proxy-stats-before.txt}, {@code proxy-stats-after.txt} (optional, pingora4j only): its
 *     connector's counters around the phase (see {@link ConnectorCounters});</li>
 * <li>{@code cpu.txt}: {@code ticksBefore ticksAfter ticksPerSecond}, utime+stime of all the proxy's
 *     processes (absent for the origin hit directly);</li>
 * <li>{@code rss.txt}: the proxy's peak resident set, VmHWM summed over its processes, in kB.</li>
 * </ul>
 * A figure whose file is missing or unreadable (a status request that failed) is NaN.
 *
 * @param shape the shape's id
 * @param proxy the proxy's id
 * @param round the round, from 1
 * @param wrk what the load generator saw (wrk, or h2load's figures)
 * @param newConnections connections the origin accepted during the run
 * @param originRequests requests the origin served during the run
 * @param cpuMicrosPerRequest proxy CPU time per completed request, µs
 * @param peakRssMiB the proxy's peak resident memory, MiB
 * @param connectionsSinceStart connections the origin accepted from before the proxy started to the
 *     end of the run (NaN without {@code stub-start.txt})
 * @param connector pingora4j's connector counters over the run, or null
 */
public record RunResult(String shape, String proxy, int round, WrkResult wrk, double newConnections,
        double originRequests, double cpuMicrosPerRequest, double peakRssMiB, double connectionsSinceStart,
        ConnectorCounters connector) {

    /** The header of {@link #csvRow()}. */
    public static final String CSV_HEADER = "shape,proxy,round,requests,seconds,req_per_s,p50_ms,p99_ms,max_ms,errors,"
            + "origin_new_conns,origin_requests,reuse,cpu_us_per_req,peak_rss_mib,"
            + "origin_new_conns_since_start,connector_sessions,connector_connects,connector_reuse";

    /** Reads the run in {@code dir}. */
    public static RunResult read(Path dir, String shape, String proxy, int round) {
        WrkResult wrk = Files.exists(dir.resolve("h2load.txt"))
                ? H2loadResult.parse(text(dir.resolve("h2load.txt")), h2loadLog(dir)).asLoadResult()
                : WrkResult.parse(text(dir.resolve("wrk.txt")));
        double newConns = Double.NaN;
        double originRequests = Double.NaN;
        double sinceStart = Double.NaN;
        StubStatus start = stub(dir.resolve("stub-start.txt"));
        StubStatus before = stub(dir.resolve("stub-before.txt"));
        StubStatus after = stub(dir.resolve("stub-after.txt"));
        if (before != null && after != null) {
            // The status request itself is one request on one new connection.
            newConns = after.accepts() - before.accepts() - 1;
            originRequests = after.requests() - before.requests() - 1;
        }
        if (start != null && before != null && after != null) {
            // Less the status requests of before and after (start's counts itself).
            sinceStart = after.accepts() - start.accepts() - 2;
        }
        ConnectorCounters connector = null;
        ConnectorCounters statsBefore = counters(dir.resolve("proxy-stats-before.txt"));
        ConnectorCounters statsAfter = counters(dir.resolve("proxy-stats-after.txt"));
        if (statsBefore != null && statsAfter != null) {
            connector = statsAfter.minus(statsBefore);
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
        return new RunResult(shape, proxy, round, wrk, newConns, originRequests, cpu, rss, sinceStart, connector);
    }

    /** h2load's per-request log, gzipped or not, or null if there is none. */
    private static String h2loadLog(Path dir) {
        try {
            Path gz = dir.resolve("h2load.log.gz");
            if (Files.exists(gz)) {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                    return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
                }
            }
            Path plain = dir.resolve("h2load.log");
            return Files.exists(plain) ? Files.readString(plain, StandardCharsets.US_ASCII) : null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The connector counters in {@code file}, or null if it is missing or not a stats page. */
    private static ConnectorCounters counters(Path file) {
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return ConnectorCounters.parse(text(file));
        } catch (IllegalArgumentException e) {
            return null;
        }
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
                num(wrk.maxMs()), Long.toString(wrk.errors()), num(newConnections), num(originRequests), num(reuse()),
                num(cpuMicrosPerRequest), num(peakRssMiB), num(connectionsSinceStart),
                connector == null ? "" : Long.toString(connector.sessions()),
                connector == null ? "" : Long.toString(connector.connectsOk()), num(connectorReuse()));
    }

    /** pingora4j's own reuse ratio over the run (reused sessions ÷ sessions), NaN if not served. */
    public double connectorReuse() {
        return connector == null ? Double.NaN : connector.reuseRatio();
    }

    /** Upstream connections pingora4j's connector opened over the run, NaN if not served. */
    public double connectorConnects() {
        return connector == null ? Double.NaN : connector.connectsOk();
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
