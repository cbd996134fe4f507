package org.pingora4j.proxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pingora4j.proxy.Await;
import org.pingora4j.core.testing.LeakCheckExtension;

/**
 * Clients that go away mid-exchange: mid-upload and mid-download. The upstream connection is then
 * in the middle of a message and must be closed, never pooled; nothing leaks; the proxy keeps
 * serving. Each abort is repeated so that a connection leaked per abort shows in the descriptors.
 */
@ExtendWith(LeakCheckExtension.class)
final class ClientAbortTest {

    private static final int ROUNDS = 5;
    private static final int PROBES = 3;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final int UPLOAD_LENGTH = 1_000_000;
    private static final int UPLOAD_SENT = 1_000;
    private static final long DOWNLOAD_LENGTH = 64L << 20;
    private static final int DOWNLOAD_READ = 256 << 10;

    /** Answers /ok with "fine"; everything else is up to {@code other}. */
    private static RawOrigin.Script okOr(RawOrigin.Script other) {
        return ex -> {
            if (ex.path.equals("/ok")) {
                ex.reply(200, "fine");
            } else {
                other.serve(ex);
            }
        };
    }

    private static void assertKeepsServing(FaultFixture proxy, ScenarioTally tally) throws IOException {
        for (int i = 0; i < PROBES; i++) {
            RawResponse ok = tally.saw(proxy.probe("/ok"));
            assertEquals(200, ok.status(), ok.head());
            assertTrue(ok.complete(), ok.toString());
        }
    }

    private static void assertNothingPooled(FaultFixture proxy, FaultProxy phases, int requests) {
        Await.until("the proxy finished the aborted requests", Duration.ofSeconds(10),
                () -> phases.outcomes.size() >= requests, phases.outcomes::toString);
        assertEquals(0, proxy.service.connector().stats().pool().puts(),
                "the connection of an aborted exchange was pooled: " + proxy.service.connector().stats());
    }

    @Test
    void aClientAbortingMidUploadLeavesNothingBehind() throws Exception {
        AtomicReference<CountDownLatch> bodyArrived = new AtomicReference<>();
        AtomicInteger truncatedAtOrigin = new AtomicInteger();
        RawOrigin.Script script = okOr(ex -> {
            long first = ex.readBody(UPLOAD_SENT);
            bodyArrived.get().countDown();
            long rest = ex.readBody(ex.contentLength() - first);
            if (first + rest < ex.contentLength()) {
                // The proxy gave up the upstream request: the end of the body never comes.
                truncatedAtOrigin.incrementAndGet();
                ex.close();
            } else {
                ex.reply(200, "all of it");
            }
        });
        FaultScenario.run("client-abort-mid-upload", READ_TIMEOUT, 1, script, (proxy, origin, phases, tally) -> {
            for (int i = 0; i < ROUNDS; i++) {
                CountDownLatch latch = new CountDownLatch(1);
                bodyArrived.set(latch);
                try (Socket client = proxy.connect()) {
                    client.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: origin\r\nContent-Length: "
                            + UPLOAD_LENGTH + "\r\n\r\n" + "u".repeat(UPLOAD_SENT)).getBytes(StandardCharsets.ISO_8859_1));
                    tally.request();
                    // The abort happens once the upload is under way upstream.
                    assertTrue(latch.await(10, TimeUnit.SECONDS), "the body's start never reached the origin");
                    tally.fault("client-abort-mid-upload");
                }
                int round = i + 1;
                Await.until("the proxy abandoned upload " + round + " upstream", Duration.ofSeconds(10),
                        () -> truncatedAtOrigin.get() == round, () -> "truncated at origin: " + truncatedAtOrigin);
            }
            assertNothingPooled(proxy, phases, ROUNDS);
            assertKeepsServing(proxy, tally);
        });
    }

    @Test
    void aClientAbortingAnUploadTheOriginAnsweredEarlyLeavesNothingBehind() throws Exception {
        AtomicInteger upstreamClosed = new AtomicInteger();
        RawOrigin.Script script = okOr(ex -> {
            ex.readBody(UPLOAD_SENT);
            // Answers before the body is complete (as an origin rejecting an upload does), then
            // drains: the rest of the body may never come, so this connection can never be reused.
            ex.reply(200, "early");
            ex.stall();
            upstreamClosed.incrementAndGet();
        });
        FaultScenario.run("client-abort-after-early-answer", READ_TIMEOUT, 1, script, (proxy, origin, phases, tally) -> {
            for (int i = 0; i < ROUNDS; i++) {
                try (Socket client = proxy.connect()) {
                    client.getOutputStream().write(("POST /early HTTP/1.1\r\nHost: origin\r\nContent-Length: "
                            + UPLOAD_LENGTH + "\r\n\r\n" + "u".repeat(UPLOAD_SENT)).getBytes(StandardCharsets.ISO_8859_1));
                    RawResponse response = tally.saw(RawResponse.read(client.getInputStream(), RawResponse.Progress.NONE, false));
                    assertEquals(200, response.status(), response.toString());
                    assertTrue(response.complete(), "the early answer reached the client: " + response);
                    tally.fault("client-abort-after-early-answer");
                }
                int round = i + 1;
                Await.until("the proxy closed upstream connection " + round, Duration.ofSeconds(10),
                        () -> upstreamClosed.get() == round, () -> "closed upstream: " + upstreamClosed);
            }
            assertNothingPooled(proxy, phases, ROUNDS);
            assertKeepsServing(proxy, tally);
        });
    }

    @Test
    void aClientAbortingMidDownloadLeavesNothingBehind() throws Exception {
        AtomicInteger abortedAtOrigin = new AtomicInteger();
        byte[] chunk = "d".repeat(64 << 10).getBytes(StandardCharsets.ISO_8859_1);
        RawOrigin.Script script = okOr(ex -> {
            ex.write("HTTP/1.1 200 OK\r\nContent-Length: " + DOWNLOAD_LENGTH + "\r\n\r\n");
            try {
                for (long sent = 0; sent < DOWNLOAD_LENGTH; sent += chunk.length) {
                    ex.write(chunk);
                }
            } catch (IOException e) {
                // The proxy closed the upstream connection because its client left.
                abortedAtOrigin.incrementAndGet();
                throw e;
            }
        });
        FaultScenario.run("client-abort-mid-download", READ_TIMEOUT, 1, script, (proxy, origin, phases, tally) -> {
            for (int i = 0; i < ROUNDS; i++) {
                try (Socket client = proxy.connect()) {
                    client.getOutputStream().write("GET /download HTTP/1.1\r\nHost: origin\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    tally.request();
                    InputStream in = client.getInputStream();
                    byte[] buffer = new byte[8192];
                    long read = 0;
                    while (read < DOWNLOAD_READ) {
                        int n = in.read(buffer);
                        assertTrue(n > 0, "the download ended early at " + read);
                        read += n;
                    }
                    tally.fault("client-abort-mid-download");
                }
                int round = i + 1;
                Await.until("the proxy abandoned download " + round + " upstream", Duration.ofSeconds(10),
                        () -> abortedAtOrigin.get() == round, () -> "aborted at origin: " + abortedAtOrigin);
            }
            assertNothingPooled(proxy, phases, ROUNDS);
            assertKeepsServing(proxy, tally);
        });
    }
}
