package org.pingora4j.proxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pingora4j.proxy.Await;
import org.pingora4j.core.testing.LeakCheckExtension;

/**
 * Faults on the upstream side, through the proxy: an origin that resets or closes mid-response,
 * stalls, answers garbage, or is not there. Each fault is injected several times, so that a
 * connection leaked per fault shows in the descriptor count; then healthy requests show the proxy
 * keeps serving, and the resource accounting runs.
 */
@ExtendWith(LeakCheckExtension.class)
final class OriginFaultsTest {

    private static final int ROUNDS = 5;
    private static final int PROBES = 3;
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(10);
    private static final String BODY = "x".repeat(10_000);

    /** Answers /ok with "fine"; everything else is up to {@code fault}. */
    private static RawOrigin.Script okOr(RawOrigin.Script fault) {
        return ex -> {
            if (ex.path.equals("/ok")) {
                ex.reply(200, "fine");
            } else {
                fault.serve(ex);
            }
        };
    }

    private static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: origin\r\n\r\n";
    }

    /** Healthy requests after the faults: each complete, with the origin's body. */
    private static void assertKeepsServing(FaultFixture proxy, ScenarioTally tally) throws Exception {
        for (int i = 0; i < PROBES; i++) {
            RawResponse ok = tally.saw(proxy.probe("/ok"));
            assertEquals(200, ok.status(), ok.head());
            assertTrue(ok.complete(), ok.toString());
        }
    }

    /** The faulty exchanges must not have given a connection back to the pool. */
    private static void assertNothingPooled(FaultFixture proxy, FaultProxy phases, int requests) {
        Await.until("the proxy finished the faulty requests", Duration.ofSeconds(10),
                () -> phases.outcomes.size() >= requests, phases.outcomes::toString);
        assertEquals(0, proxy.service.connector().stats().pool().puts(),
                "a connection of a faulty exchange was pooled: " + proxy.service.connector().stats());
    }

    /** The head and the first part of a body declared longer than what follows, in {@code framing}. */
    private static String partialResponse(String framing, int declared, String part) {
        if (framing.equals("chunked")) {
            return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(part.length()) + "\r\n" + part + "\r\n";
        }
        return "HTTP/1.1 200 OK\r\nContent-Length: " + declared + "\r\n\r\n" + part;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"content-length", "chunked"})
    void anOriginResetMidResponseGivesTheClientATruncatedResponseAndTheProxyKeepsServing(String framing) throws Exception {
        AtomicReference<CountDownLatch> clientSawHead = new AtomicReference<>();
        RawOrigin.Script script = okOr(ex -> {
            ex.write(partialResponse(framing, 100_000, BODY));
            // Reset only once the client has the head, so the fault is really mid-response
            // (a reset can discard data still queued at the proxy's socket).
            assertTrue(clientSawHead.get().await(10, TimeUnit.SECONDS), "the client never saw the head");
            ex.reset();
        });
        FaultScenario.run("origin-reset-mid-response-" + framing, READ_TIMEOUT, 1, script, (proxy, origin, phases, tally) -> {
            for (int i = 0; i < ROUNDS; i++) {
                CountDownLatch latch = new CountDownLatch(1);
                clientSawHead.set(latch);
                try (Socket client = proxy.connect()) {
                    client.getOutputStream().write(get("/reset").getBytes(StandardCharsets.ISO_8859_1));
                    tally.fault("origin-rst-mid-response");
                    RawResponse response = tally.saw(RawResponse.read(client.getInputStream(),
                            new RawResponse.Progress() {
                                @Override
                                public void head(RawResponse soFar) {
                                    latch.countDown();
                                }
                            }, false));
                    assertEquals(200, response.status(), response.toString());
                    assertFalse(response.complete(), "a reset upstream body looked complete: " + response);
                    assertTrue(response.closedAfter(), "the client connection stayed open: " + response);
                }
            }
            assertNothingPooled(proxy, phases, ROUNDS);
            assertKeepsServing(proxy, tally);
        });
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"content-length", "chunked"})
    void anOriginThatClosesMidBodyGivesTheClientATruncatedResponse(String framing) throws Exception {
        RawOrigin.Script script = okOr(ex -> {
            ex.write(partialResponse(framing, 1000, "y".repeat(500)));
            ex.close();
        });
        FaultScenario.run("origin-fin-mid-body-" + framing, READ_TIMEOUT, 1, script, (proxy, origin, phases, tally) -> {
            for (int i = 0; i < ROUNDS; i++) {
                tally.fault("origin-fin-mid-body");
                RawResponse response = tally.saw(proxy.exchange(get("/fin")));
                assertEquals(200, response.status(), response.toString());
                assertFalse(response.complete(), "a truncated upstream body looked complete: " + response);
                assertTrue(response.bodyBytes() <= 500, response.toString());
                assertTrue(response.closedAfter(), "the client connection stayed open: " + response);
            }
            assertNothingPooled(proxy, phases, ROUNDS);
            assertKeepsServing(proxy, tally);
        });
    }

    @Test
    void aStalledOriginIsA504AfterThePeersReadTimeout() throws Exception {
        Duration readTimeout = Duration.ofMillis(300);
        RawOrigin.Script script = okOr(RawOrigin.Exchange::stall);
        FaultScenario.run("origin-stall", readTimeout, 1, script, (proxy, origin, phases, tally) -> {
            for (int i = 0; i < ROUNDS; i++) {
                tally.fault("origin-stall");
                long start = System.nanoTime();
                RawResponse response = tally.saw(proxy.exchange(get("/stall")));
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(504, response.status(), response.toString());
                assertTrue(response.complete(), response.toString());
                // The client's own timeout is 10 s: a 504 well before it came from the 300 ms read timeout.
                assertTrue(tookMillis >= 250 && tookMillis < 5_000, "took " + tookMillis + " ms");
            }
            assertNothingPooled(proxy, phases, ROUNDS);
            assertKeepsServing(proxy, tally);
        });
    }

    @Test
    void anOriginStallingMidBodyIsCutOffAfterThePeersReadTimeout() throws Exception {
        RawOrigin.Script script = okOr(ex -> {
            ex.write(partialResponse("content-length", 1000, "z".repeat(500)));
            ex.stall();
        });
        FaultScenario.run("origin-stall-mid-body", Duration.ofMillis(300), 1, script, (proxy, origin, phases, tally) -> {
            for (int i = 0; i < ROUNDS; i++) {
                tally.fault("origin-stall-mid-body");
                long start = System.nanoTime();
                RawResponse response = tally.saw(proxy.exchange(get("/stall-body")));
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                assertEquals(200, response.status(), response.toString());
                assertFalse(response.complete(), response.toString());
                assertTrue(response.closedAfter(), "the client connection was left hanging: " + response);
                assertTrue(tookMillis >= 250 && tookMillis < 5_000, "took " + tookMillis + " ms");
            }
            assertNothingPooled(proxy, phases, ROUNDS);
            assertKeepsServing(proxy, tally);
        });
    }

    @Test
    void anOriginAnsweringGarbageIsA502() throws Exception {
        RawOrigin.Script script = okOr(ex -> {
            ex.write("SSH-2.0-OpenSSH_9.2\r\nthis is not HTTP\r\n\r\n");
            ex.stall();
        });
        FaultScenario.run("origin-garbage", READ_TIMEOUT, 1, script, (proxy, origin, phases, tally) -> {
            for (int i = 0; i < ROUNDS; i++) {
                tally.fault("origin-garbage");
                RawResponse response = tally.saw(proxy.exchange(get("/garbage")));
                assertEquals(502, response.status(), response.toString());
                assertTrue(response.complete(), response.toString());
            }
            assertNothingPooled(proxy, phases, ROUNDS);
            assertKeepsServing(proxy, tally);
        });
    }

    @Test
    void aRefusedConnectionIsA502() throws Exception {
        FaultScenario.run("origin-refused", READ_TIMEOUT, 1, okOr(ex -> ex.reply(500, "unexpected")),
                (proxy, origin, phases, tally) -> {
                    for (int i = 0; i < ROUNDS; i++) {
                        tally.fault("origin-refused");
                        RawResponse response = tally.saw(proxy.exchange(get(FaultProxy.REFUSED_PREFIX + "/x")));
                        assertEquals(502, response.status(), response.toString());
                        assertTrue(response.complete(), response.toString());
                    }
                    assertNothingPooled(proxy, phases, ROUNDS);
                    assertEquals(0, origin.accepted(), "the refused requests reached the origin");
                    assertKeepsServing(proxy, tally);
                });
    }
}
