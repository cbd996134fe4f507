package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * Issue #14: how many bytes of memory a hostile client makes the proxy hold per byte it sends.
 *
 * <p>Each test runs one shape of attack: ten connections (as in the issue; {@code amplification.connections}) to a
 * proxy in a JVM of its own ({@link ProxyProcess}: default configuration, one event loop, default
 * JVM and Netty settings, as the examples jar runs), in front of a {@link SinkOrigin} (in this
 * JVM) that keeps nothing. Each connection sends its payload as fast as the proxy reads it (only
 * bytes the socket took count as sent: a proxy that stops reading is defending itself), then stays
 * open. Once the attack is quiet, the proxy JVM's held memory, live heap after full collections
 * plus the direct memory of Netty's allocator ({@link HeldMemory}), is compared with the same
 * measure taken before the attack, and must stay within {@code K * sent + C * connections}: a
 * small constant factor of what the attacker sent, plus a fixed allowance per connection (see
 * {@link #K} and {@link #C}). A legitimate request must be answered during the attack and after.
 *
 * <p>Why a JVM of its own: Netty's allocator is one per JVM and keeps the chunks it reserved, so
 * in a shared JVM a test's direct memory hides in chunks an earlier test left; and the suite's
 * paranoid leak detector puts a tracking record on every buffer, which would be charged to the
 * proxy. A fresh JVM per shape costs about a second.
 *
 * <p>Every measurement is appended to {@code target/amplification-report.md} (or the file the
 * {@code amplification.report} property names).
 */
final class AmplificationTest {

    /**
     * Bytes held per byte sent that the bound allows. A proxy that keeps what it read as bytes
     * (a copy in a buffer, with the structure decoded from it) holds about 1 to 2 bytes per byte;
     * 4 leaves room for a copy on the way plus allocator rounding, and is far below the 18 to 24
     * the issue measured.
     */
    static final long K = 4;

    /**
     * Bytes held per connection whatever it sends: the channel, its pipeline and decoder, the
     * request and its upstream connection, a read buffer. 64 KiB is pingora's body buffer limit,
     * and five times what a connection whose request waits for a slow origin costs today (13 KB:
     * {@link #aRequestWaitingForASlowOrigin}).
     */
    static final long C = 64 * 1024;

    /**
     * An upload can go on for ever: a proxy that keeps all of it would hold one byte per byte and
     * pass {@code K * sent}. So a connection that streams a body to an origin that does not read
     * must also stay under this, whatever it sent.
     */
    static final long STREAM_CAP_PER_CONNECTION = 1024 * 1024;

    /**
     * What the measure may move by without an attack: Netty's allocator reserves chunks of 128 KiB
     * and up, and 50 requests grow the heap by some 100 KiB (measured: 230 KiB in all). A sixth of
     * the smallest bound any shape gets (3.1 MiB, for the unfinished head: 640 KB sent).
     */
    static final long NOISE_LIMIT = 512 * 1024;

    /** Attacking connections per shape: the ten. */
    static final int CONNECTIONS = Integer.getInteger("amplification.connections", 10);

    private static final Duration QUIET = Duration.ofMillis(300);
    private static final Duration MAX_ATTACK = Duration.ofSeconds(20);
    private static final Path REPORT = Path.of(System.getProperty("amplification.report", "target/amplification-report.md"));
    /** The proxy's heap: far more than any shape makes today's proxy hold, so that it measures rather than dies. */
    private static final String PROXY_HEAP = "-Xmx1g";

    // ---- the shapes --------------------------------------------------------------------------------

    private static final String CHUNKED_POST = "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String SLOW_GET = "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n";
    /** Header lines of an empty field, {@code a:}: 4 bytes a field, 16 000 fit in the 64 KiB head limit. */
    private static final int EMPTY_FIELDS = 16_000;

    /** One-byte chunks (the issue: 65 535), never the last chunk. */
    static Payload oneByteChunks(String target, int chunks) {
        return Payload.repeated("one-byte chunks to " + target, CHUNKED_POST.replace("/upload", target), "1\r\nx\r\n", chunks, "");
    }

    /** A request the origin answers slowly, then pipelined heads (the issue: 7) of empty fields (16 000). */
    static Payload pipelinedEmptyFieldHeads(int heads, int fields) {
        String head = "GET /p HTTP/1.1\r\nHost: x\r\n" + "a:\r\n".repeat(fields) + "\r\n";
        return Payload.repeated("pipelined heads of empty fields", SLOW_GET, head, heads, "");
    }

    /** One head of empty fields (16 000) that never ends. */
    static Payload unfinishedEmptyFieldHead(int fields) {
        return Payload.repeated("unfinished head of empty fields", "GET /u HTTP/1.1\r\nHost: x\r\n", "a:\r\n", fields, "");
    }

    /** A chunked body whose trailer section of empty fields (16 000) never ends. */
    static Payload unfinishedTrailers(int fields) {
        return Payload.repeated("unfinished trailers of empty fields", CHUNKED_POST + "1\r\nx\r\n0\r\n", "a:\r\n", fields, "");
    }

    /** A request the origin answers slowly, then pipelined chunked POSTs (7) each ending in a trailer section of empty fields (16 000). */
    static Payload pipelinedTrailers(int posts, int fields) {
        String post = CHUNKED_POST.replace("/upload", "/p") + "1\r\nx\r\n0\r\n" + "a:\r\n".repeat(fields) + "\r\n";
        return Payload.repeated("pipelined trailers of empty fields", SLOW_GET, post, posts, "");
    }

    /** A request the origin answers slowly, then pipelined heads (7) of one field just under the 64 KiB head limit. */
    static Payload pipelinedLargeHeads(int heads) {
        String head = "GET /p HTTP/1.1\r\nHost: x\r\nX-Large: " + "a".repeat(65_000) + "\r\n\r\n";
        return Payload.repeated("pipelined large heads", SLOW_GET, head, heads, "");
    }

    /** One-byte chunks (64), each with an extension just under the 8 KiB line limit, never the last chunk. */
    static Payload chunkExtensions(int chunks) {
        return Payload.repeated("chunk extensions", CHUNKED_POST, "1;e=" + "a".repeat(8_000) + "\r\nx\r\n", chunks, "");
    }

    /** A request the origin answers slowly, then pipelined POSTs (32) of 16 KiB bodies. */
    static Payload pipelinedBodies(int posts) {
        String post = "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 16384\r\n\r\n" + "x".repeat(16_384);
        return Payload.repeated("pipelined bodies", SLOW_GET, post, posts, "");
    }

    /** Only a request the origin answers slowly: what a connection costs whatever it sends (calibrates {@link #C}). */
    static Payload slowRequestOnly() {
        return Payload.of("a request waiting for a slow origin (no attack)", SLOW_GET, "", 0, "");
    }

    /** An upload (1 GiB) to an origin that does not read. */
    static Payload slowOriginUpload(long length) {
        return Payload.repeated("upload to an origin that does not read",
                "POST /stall HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + "\r\n\r\n", "x", length, "");
    }

    // ---- the tests ---------------------------------------------------------------------------------

    @Test
    void oneByteChunksStalledBeforeTheLastChunk() throws Exception {
        measure(oneByteChunks("/upload", 65_535), oneByteChunks("/upload", 100), false);
    }

    @Test
    void oneByteChunksToAnOriginThatDoesNotRead() throws Exception {
        measure(oneByteChunks("/stall", 65_535), oneByteChunks("/stall", 100), false);
    }

    @Test
    void pipelinedHeadsOfEmptyFieldsBehindASlowRequest() throws Exception {
        measure(pipelinedEmptyFieldHeads(7, EMPTY_FIELDS), pipelinedEmptyFieldHeads(1, 10), false);
    }

    @Test
    void oneUnfinishedHeadOfEmptyFields() throws Exception {
        measure(unfinishedEmptyFieldHead(EMPTY_FIELDS), unfinishedEmptyFieldHead(10), false);
    }

    @Test
    void unfinishedTrailersOfEmptyFields() throws Exception {
        measure(unfinishedTrailers(EMPTY_FIELDS), unfinishedTrailers(10), false);
    }

    @Test
    void pipelinedTrailersOfEmptyFieldsBehindASlowRequest() throws Exception {
        measure(pipelinedTrailers(7, EMPTY_FIELDS), pipelinedTrailers(1, 10), false);
    }

    @Test
    void pipelinedLargeHeadsBehindASlowRequest() throws Exception {
        measure(pipelinedLargeHeads(7), pipelinedLargeHeads(1), false);
    }

    @Test
    void longChunkExtensions() throws Exception {
        measure(chunkExtensions(64), chunkExtensions(2), false);
    }

    @Test
    void pipelinedBodiesBehindASlowRequest() throws Exception {
        measure(pipelinedBodies(32), pipelinedBodies(1), false);
    }

    @Test
    void aFastUploadToAnOriginThatDoesNotRead() throws Exception {
        measure(slowOriginUpload(1L << 30), slowOriginUpload(1024), true);
    }

    @Test
    void aRequestWaitingForASlowOrigin() throws Exception {
        measure(slowRequestOnly(), slowRequestOnly(), false);
    }

    /**
     * The measurement's own noise: with no attack, the held memory moves by far less than the
     * allowance any bound gives ({@code C * connections}).
     */
    @Test
    void withoutAnAttackTheMeasureStandsStill() throws Exception {
        try (SinkOrigin origin = new SinkOrigin(); ProxyProcess proxy = new ProxyProcess(origin.address(), 60, PROXY_HEAP)) {
            for (int i = 0; i < 20; i++) {
                assertLegitAnswered(proxy, "warm-up");
            }
            HeldMemory.Snapshot first = measureOrFail(proxy);
            HeldMemory.Snapshot second = measureOrFail(proxy);
            for (int i = 0; i < 50; i++) {
                assertLegitAnswered(proxy, "between measurements");
            }
            HeldMemory.Snapshot third = measureOrFail(proxy);
            long noise = Math.max(Math.abs(second.held() - first.held()), Math.abs(third.held() - first.held()));
            report("| (no attack: noise) | 0 | 0 | " + noise + " | - | - | baseline " + first + "; again: "
                    + second.minus(first) + "; after 50 requests: " + third.minus(first) + " |");
            assertTrue(noise < NOISE_LIMIT, "the measure moved by " + noise + " bytes without an attack: again "
                    + second.minus(first) + ", after 50 requests " + third.minus(first));
        }
    }

    // ---- the measurement ---------------------------------------------------------------------------

    private void measure(Payload payload, Payload warmUpPayload, boolean streams) throws Exception {
        try (SinkOrigin origin = new SinkOrigin(); ProxyProcess proxy = new ProxyProcess(origin.address(), 60, PROXY_HEAP)) {
            for (int i = 0; i < 20; i++) {
                assertLegitAnswered(proxy, "before the attack");
            }
            // A small attack of the same shape first, so that its code has run (classes loaded,
            // their caches filled) before the baseline; small, so that the allocator chunks it
            // leaves behind hide little of the attack's own.
            try (Attack warmUp = Attack.start(proxy.port(), List.of(warmUpPayload), 2, false)) {
                warmUp.awaitQuiet(QUIET, MAX_ATTACK);
            }
            assertLegitAnswered(proxy, "after the warm-up");
            HeldMemory.Snapshot before = measureOrFail(proxy);

            HeldMemory.Snapshot held;
            long sent;
            String attackState;
            long started = System.nanoTime();
            try (Attack attack = Attack.start(proxy.port(), List.of(payload), CONNECTIONS, false)) {
                boolean quiet = attack.awaitQuiet(QUIET, MAX_ATTACK);
                settle(origin);
                sent = attack.sent();
                attackState = attack.describe() + (quiet ? "" : " (still sending after " + MAX_ATTACK + ")");
                held = measureOrFail(proxy).minus(before);
                assertLegitAnswered(proxy, "during the attack");
            }
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            assertLegitAnswered(proxy, "after the attack");
            assertTrue(proxy.alive(), "the proxy process is alive");

            long bound = K * sent + C * CONNECTIONS;
            String ratio = String.format(Locale.ROOT, "%.1f", (double) held.held() / Math.max(1, sent));
            report("| " + payload.name() + " | " + CONNECTIONS + " | " + sent + " | " + held.held() + " | " + ratio
                    + " | " + held.held() / CONNECTIONS + " | " + held + "; " + attackState + "; " + millis + " ms |");
            assertTrue(held.held() <= bound, payload.name() + ": " + CONNECTIONS + " connections sent " + sent
                    + " bytes and the proxy holds " + held.held() + " bytes more than before (" + ratio
                    + " per byte sent), over the bound " + bound + " = " + K + " * sent + " + C + " * connections; "
                    + held + "; " + attackState);
            if (streams) {
                assertTrue(held.held() <= STREAM_CAP_PER_CONNECTION * CONNECTIONS, payload.name() + ": the proxy holds "
                        + held.held() / CONNECTIONS + " bytes per streaming connection, over " + STREAM_CAP_PER_CONNECTION
                        + "; " + held + "; " + attackState);
            }
        }
    }

    private static HeldMemory.Snapshot measureOrFail(ProxyProcess proxy) throws IOException {
        HeldMemory.Snapshot s = proxy.measure();
        if (s == null) {
            throw new AssertionError("the proxy process did not measure its memory (alive: " + proxy.alive() + ")\n"
                    + proxy.stderr());
        }
        return s;
    }

    /** Waits until the origin has taken nothing new for 200 ms (bounded): what the proxy read is processed. */
    private static void settle(SinkOrigin origin) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long last = origin.received();
        long stableSince = System.nanoTime();
        while (System.nanoTime() - end < 0 && System.nanoTime() - stableSince < TimeUnit.MILLISECONDS.toNanos(200)) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            long now = origin.received();
            if (now != last) {
                last = now;
                stableSince = System.nanoTime();
            }
        }
    }

    private static void assertLegitAnswered(ProxyProcess proxy, String when) throws IOException {
        try (RawClient client = new RawClient(proxy.port())) {
            assertEquals(200, client.send("GET /legit HTTP/1.1\r\nHost: x\r\n\r\n").expectResponse(false).status(),
                    "a legitimate GET " + when);
        }
    }

    private static synchronized void report(String row) {
        try {
            Files.createDirectories(REPORT.toAbsolutePath().getParent());
            if (!Files.exists(REPORT)) {
                Files.writeString(REPORT, "# Amplification (issue #14): proxy JVM " + PROXY_HEAP + ", one event loop, "
                        + HeldMemory.allocatorName() + "; held = live heap after full GCs + allocator direct memory, "
                        + "minus the same before the attack\n\n"
                        + "| shape | connections | sent (B) | held (B) | held/sent | held/connection (B) | detail |\n"
                        + "|---|---|---|---|---|---|---|\n", StandardCharsets.UTF_8);
            }
            Files.writeString(REPORT, row + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("[amplification] " + row);
    }
}
