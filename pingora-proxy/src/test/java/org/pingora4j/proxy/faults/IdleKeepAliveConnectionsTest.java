package org.pingora4j.proxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pingora4j.proxy.Await;
import org.pingora4j.core.testing.LeakCheckExtension;

/**
 * 10 000 idle keep-alive client connections on the proxy: each sent one request and kept its
 * connection. Nothing fails, the memory they cost is reported, all of them still serve a second
 * request, and when they close the proxy is back to its baseline.
 *
 * <p>The clients run in a separate JVM ({@link IdleClients}): 10 000 connections with both ends in
 * the test JVM would be 20 000 descriptors, the whole `ulimit -n` of this machine; this way the test
 * JVM holds 10 000 (the proxy's ends) plus its baseline.
 */
@ExtendWith(LeakCheckExtension.class)
final class IdleKeepAliveConnectionsTest {

    private static final int CONNECTIONS = 10_000;
    private static final int CLIENT_THREADS = 4;
    private static final long REPLY_CAP_SECONDS = 45;

    @Test
    void tenThousandIdleKeepAliveConnectionsAllServeAndAreReleased() throws Exception {
        FaultScenario.run("idle-keepalive-" + CONNECTIONS, Duration.ofSeconds(10), CLIENT_THREADS,
                ex -> ex.reply(200, "idle"), (proxy, origin, phases, tally) -> {
                    long heapBefore = heapUsedAfterGc();
                    long rssBefore = rssBytes();
                    int fdsBefore = ResourceBaseline.openFds();
                    Process clients = startClients(proxy.port());
                    try {
                        BlockingQueue<String> lines = lines(clients);
                        Writer commands = new OutputStreamWriter(clients.getOutputStream(), StandardCharsets.UTF_8);

                        String ready = next(lines, "READY");
                        tally.requests(CONNECTIONS);
                        tally.clientFailures(failed(ready));
                        assertEquals(CONNECTIONS, ok(ready), ready);
                        Await.until("the proxy holds every idle connection", Duration.ofSeconds(10),
                                () -> proxy.service.openConnections() == CONNECTIONS,
                                () -> "open " + proxy.service.openConnections());
                        long heapUsed = heapUsedAfterGc() - heapBefore;
                        long rssUsed = rssBytes() - rssBefore;
                        int fdsHeld = ResourceBaseline.openFds() - fdsBefore;
                        tally.note(String.format("open=%d first-round=%s heapDelta=%.1fMiB (%d B/conn) rssDelta=%.1fMiB"
                                        + " nettyDirect=%.1fMiB fdsHeld=%d",
                                proxy.service.openConnections(), ready.substring("READY ".length()),
                                heapUsed / 1048576.0, heapUsed / CONNECTIONS, rssUsed / 1048576.0,
                                nettyDirectBytes() / 1048576.0, fdsHeld));
                        assertTrue(fdsHeld >= CONNECTIONS, "fds held " + fdsHeld);

                        commands.write("again\n");
                        commands.flush();
                        String again = next(lines, "AGAIN");
                        tally.requests(CONNECTIONS);
                        tally.clientFailures(failed(again));
                        tally.note("second-round=" + again.substring("AGAIN ".length()));
                        assertEquals(CONNECTIONS, ok(again), "the idle connections still serve: " + again);

                        commands.write("close\n");
                        commands.flush();
                        next(lines, "CLOSED");
                        assertTrue(clients.waitFor(10, TimeUnit.SECONDS), "the client process did not exit");
                    } finally {
                        clients.destroyForcibly();
                    }
                });
    }

    private static Process startClients(int port) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes = Path.of(IdleClients.class.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
        return new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", classes,
                IdleClients.class.getName(), String.valueOf(port), String.valueOf(CONNECTIONS),
                String.valueOf(CLIENT_THREADS))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** The child's stdout as a queue, so the test waits for a line with a bound. */
    private static BlockingQueue<String> lines(Process process) {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("ERROR " + e);
            }
        }, "idle-clients-stdout");
        reader.setDaemon(true);
        reader.start();
        return lines;
    }

    private static String next(BlockingQueue<String> lines, String prefix) throws InterruptedException {
        String line = lines.poll(REPLY_CAP_SECONDS, TimeUnit.SECONDS);
        assertNotNull(line, "no " + prefix + " from the client process within " + REPLY_CAP_SECONDS + " s");
        assertTrue(line.startsWith(prefix), line);
        return line;
    }

    private static int ok(String line) {
        return field(line, "ok=");
    }

    private static int failed(String line) {
        return field(line, "failed=");
    }

    private static int field(String line, String name) {
        int at = line.indexOf(name) + name.length();
        int end = line.indexOf(' ', at);
        return Integer.parseInt(line.substring(at, end < 0 ? line.length() : end));
    }

    private static long heapUsedAfterGc() {
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Direct memory held by Netty's default allocator (the proxy's), -1 if it does not say. */
    private static long nettyDirectBytes() {
        return ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider metrics
                ? metrics.metric().usedDirectMemory() : -1;
    }

    private static long rssBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        return -1;
    }
}
