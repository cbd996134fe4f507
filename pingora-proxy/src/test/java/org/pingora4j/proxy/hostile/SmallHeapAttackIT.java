package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Issue #14, the wedge: a proxy with a small heap ({@code -Xmx64m} unless {@code smallheap.heap}
 * says otherwise) in a JVM of its own ({@link ProxyProcess}: default configuration, one event
 * loop), under {@code smallheap.attackers} hostile connections (default {@value #DEFAULT_ATTACKERS};
 * the target is 1000) for {@code smallheap.seconds} seconds (default
 * {@value #DEFAULT_SECONDS}). Half the attackers send the one-byte chunks, half its
 * pipelined heads of empty fields behind a slow request, each as fast as the proxy reads, and each
 * replaced when the proxy closes it. Meanwhile a legitimate client sends a GET on a new connection
 * every {@value #LEGIT_EVERY_MILLIS} ms (one at a time, each bounded by
 * {@value #LEGIT_TIMEOUT_MILLIS} ms), and keeps doing so for {@value #AFTER_SECONDS} s after the
 * attackers left: every one must be answered 200, and the proxy process must still be alive.
 *
 * <p>Appends its result to {@code target/small-heap-report.md}. To find the largest attack the
 * proxy survives, run {@code pingora-proxy/scripts/small-heap-search.sh}.
 */
final class SmallHeapAttackIT {

    static final int DEFAULT_ATTACKERS = 200;
    static final int DEFAULT_SECONDS = 20;
    static final int LEGIT_EVERY_MILLIS = 100;
    static final int LEGIT_TIMEOUT_MILLIS = 5_000;
    static final int AFTER_SECONDS = 3;

    private static final int ATTACKERS = Integer.getInteger("smallheap.attackers", DEFAULT_ATTACKERS);
    private static final int SECONDS = Integer.getInteger("smallheap.seconds", DEFAULT_SECONDS);
    private static final String HEAP = System.getProperty("smallheap.heap", "64m");
    private static final Path REPORT = Path.of(System.getProperty("smallheap.report", "target/small-heap-report.md"));

    /** One legitimate request's outcome, at {@code atMillis} after the attack began. */
    record Outcome(long atMillis, int status, long millis, String failure) {
        boolean ok() {
            return status == 200;
        }

        @Override
        public String toString() {
            return "at " + atMillis + " ms: " + (failure != null ? failure : "status " + status) + " after " + millis + " ms";
        }
    }

    /** -Xmx, then what {@code smallheap.jvmargs} adds (space-separated: a profiler, GC logging). */
    private static String[] jvmOptions() {
        List<String> options = new ArrayList<>(List.of("-Xmx" + HEAP));
        String extra = System.getProperty("smallheap.jvmargs", "").trim();
        if (!extra.isEmpty()) {
            options.addAll(List.of(extra.split("\\s+")));
        }
        return options.toArray(String[]::new);
    }

    @Test
    void aLegitimateClientIsAnsweredThroughoutAnAttackOnASmallHeap() throws Exception {
        List<Payload> shapes = List.of(AmplificationTest.oneByteChunks("/upload", 65_535),
                AmplificationTest.pipelinedEmptyFieldHeads(7, 16_000));
        List<Outcome> during = new ArrayList<>();
        List<Outcome> after = new ArrayList<>();
        String attackState;
        HeldMemory.Snapshot held = null;
        boolean aliveAtEnd;
        boolean outOfMemory;
        long outOfMemoryAfter;
        String stderr;
        try (SinkOrigin origin = new SinkOrigin();
             ProxyProcess proxy = new ProxyProcess(origin.address(), 60, jvmOptions())) {
            Outcome first = legitGet(proxy.port(), 0);
            assertTrue(first.ok(), "before the attack: " + first);
            long start = System.nanoTime();
            try (Attack attack = Attack.start(proxy.port(), shapes, ATTACKERS, true)) {
                long end = start + TimeUnit.SECONDS.toNanos(SECONDS);
                while (System.nanoTime() - end < 0) {
                    during.add(legitGet(proxy.port(), start));
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(LEGIT_EVERY_MILLIS));
                }
                attackState = attack.describe();
                if (proxy.alive()) {
                    held = proxy.measure(10); // null if the proxy cannot say (a dead event loop does not stop it)
                }
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(AFTER_SECONDS);
            while (System.nanoTime() - end < 0) {
                after.add(legitGet(proxy.port(), start));
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(LEGIT_EVERY_MILLIS));
            }
            aliveAtEnd = proxy.alive();
            outOfMemory = proxy.sawOutOfMemory();
            outOfMemoryAfter = TimeUnit.NANOSECONDS.toMillis(proxy.outOfMemoryAt() - start);
            stderr = proxy.stderr();
        }

        long failedDuring = during.stream().filter(o -> !o.ok()).count();
        long failedAfter = after.stream().filter(o -> !o.ok()).count();
        Outcome firstFailure = during.stream().filter(o -> !o.ok()).findFirst()
                .orElse(after.stream().filter(o -> !o.ok()).findFirst().orElse(null));
        long slowest = during.stream().mapToLong(Outcome::millis).max().orElse(0);
        String verdict = failedDuring + failedAfter == 0 && aliveAtEnd ? "answered" : "FAILED";
        String row = "| -Xmx" + HEAP + " | " + ATTACKERS + " | " + SECONDS + " s | " + verdict + " | "
                + (during.size() - failedDuring) + "/" + during.size() + " | " + (after.size() - failedAfter) + "/"
                + after.size() + " | " + slowest + " ms | " + (aliveAtEnd ? "alive" : "DEAD")
                + (outOfMemory ? ", OutOfMemoryError at " + outOfMemoryAfter + " ms" : "") + " | " + (firstFailure == null ? "-" : firstFailure)
                + " | " + (held == null ? "n/a" : held) + "; " + attackState + " |";
        report(row);

        String context = ATTACKERS + " attackers for " + SECONDS + " s against -Xmx" + HEAP + ": " + attackState
                + "\nproxy held at the end of the attack: " + held + "\nfirst failure: " + firstFailure
                + "\nlegitimate requests during the attack: " + summary(during) + "\nafter: " + summary(after)
                + "\nproxy stderr (last lines):\n" + stderr;
        assertTrue(aliveAtEnd, "the proxy process died; " + context);
        assertTrue(!outOfMemory, "the proxy ran out of memory " + outOfMemoryAfter + " ms into the attack; " + context);
        assertTrue(failedDuring == 0, failedDuring + " of " + during.size()
                + " legitimate requests during the attack were not answered 200; " + context);
        assertTrue(failedAfter == 0, failedAfter + " of " + after.size()
                + " legitimate requests after the attack were not answered 200; " + context);
    }

    /** The outcomes, failures in full, runs of 200 counted. */
    private static String summary(List<Outcome> outcomes) {
        StringBuilder s = new StringBuilder();
        int ok = 0;
        for (Outcome o : outcomes) {
            if (o.ok()) {
                ok++;
                continue;
            }
            if (ok > 0) {
                s.append(ok).append(" x 200; ");
                ok = 0;
            }
            s.append(o).append("; ");
        }
        if (ok > 0) {
            s.append(ok).append(" x 200");
        }
        return s.toString();
    }

    /** A GET on a new connection, bounded by LEGIT_TIMEOUT_MILLIS; never throws. */
    static Outcome legitGet(int port, long attackStart) {
        long at = attackStart == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - attackStart);
        long began = System.nanoTime();
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), LEGIT_TIMEOUT_MILLIS);
            socket.setSoTimeout(LEGIT_TIMEOUT_MILLIS);
            OutputStream out = socket.getOutputStream();
            out.write("GET /legit HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] line = new byte[12];
            int n = 0;
            long deadline = began + TimeUnit.MILLISECONDS.toNanos(LEGIT_TIMEOUT_MILLIS);
            while (n < line.length) {
                int left = (int) TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new SocketTimeoutException("no status line within " + LEGIT_TIMEOUT_MILLIS + " ms");
                }
                socket.setSoTimeout(left);
                int r = in.read(line, n, line.length - n);
                if (r < 0) {
                    return new Outcome(at, -1, elapsed(began), "closed after " + n + " bytes");
                }
                n += r;
            }
            String status = new String(line, StandardCharsets.ISO_8859_1);
            if (!status.startsWith("HTTP/1.1 ")) {
                return new Outcome(at, -1, elapsed(began), "not a status line: " + status);
            }
            return new Outcome(at, Integer.parseInt(status.substring(9, 12)), elapsed(began), null);
        } catch (IOException | RuntimeException e) {
            return new Outcome(at, -1, elapsed(began), e.toString());
        }
    }

    private static long elapsed(long began) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
    }

    private static synchronized void report(String row) {
        try {
            Files.createDirectories(REPORT.toAbsolutePath().getParent());
            if (!Files.exists(REPORT)) {
                Files.writeString(REPORT, "# Small heap under attack (issue #14)\n\n"
                        + "| heap | attackers | attack | legit | during (200/all) | after (200/all) | slowest during | proxy "
                        + "| first failure | proxy held at the end; attack |\n|---|---|---|---|---|---|---|---|---|---|\n",
                        StandardCharsets.UTF_8);
            }
            Files.writeString(REPORT, row + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("[small-heap] " + row);
    }
}
