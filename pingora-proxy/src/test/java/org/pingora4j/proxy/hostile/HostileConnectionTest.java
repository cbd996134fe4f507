package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.pingora4j.proxy.HttpServerOptions;
import org.pingora4j.proxy.hostile.RawOrigin.Want;
import org.pingora4j.proxy.hostile.StrictHttp.Message;

/** Hostile clients that play with time and interim responses rather than with syntax (issue #8, suite item 3). */
final class HostileConnectionTest {

    /**
     * Slowloris on the head: header lines trickled forever must not hold the connection. FOR THE
     * LEAD: the proxy has no injectable clock, so this relies on a small real timeout (the
     * keep-alive timeout, which today also bounds the wait for a whole request head) and waits,
     * bounded, for the close itself. If a dedicated head timeout is added to
     * {@link HttpServerOptions}, point this test at it.
     */
    @Test
    void aHeadTrickledForeverIsCutOff() throws Exception {
        HttpServerOptions options = HttpServerOptions.builder().keepaliveTimeout(Duration.ofMillis(300)).build();
        ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
        try (RawOrigin origin = new RawOrigin();
             HostileFixture proxy = new HostileFixture(origin, options, Duration.ofSeconds(10));
             RawClient client = new RawClient(proxy.port())) {
            client.send("GET /legit HTTP/1.1\r\nHost: x\r\n");
            AtomicInteger lines = new AtomicInteger();
            // Pacing, not waiting: one more header line every 20 ms, for as long as the socket takes it.
            trickler.scheduleAtFixedRate(() -> {
                try {
                    client.send("X-Slow-" + lines.incrementAndGet() + ": y\r\n");
                } catch (IOException e) {
                    throw new IllegalStateException("closed", e); // ends the schedule
                }
            }, 0, 20, TimeUnit.MILLISECONDS);
            assertTrue(client.readToEnd(), "the proxy closed the trickling connection within 10 s: " + client.received());
            assertTrue(lines.get() > 0, "the head was still trickling");
            String got = client.received();
            assertTrue(got.startsWith("\"\"") || got.startsWith("\"HTTP/1.1 408 "), "nothing, or a 408: " + got);
            trickler.shutdownNow();
            try (RawClient after = new RawClient(proxy.port())) {
                assertEquals(200, after.send("GET /legit-after HTTP/1.1\r\nHost: x\r\n\r\n").expectResponse(false).status());
            }
            proxy.stop();
            origin.assertNoSmuggledRequest(Want.of("GET", "/legit-after"));
        } finally {
            trickler.shutdownNow();
        }
    }

    /**
     * Issue #8 fix 7: a final response sent before {@code 100 Continue} (here by requestFilter)
     * must close the connection, so the body the client may still send can never be read as a
     * request. The body sent here is a request, and a probe follows it.
     */
    @Test
    void aFinalResponseBeforeContinueClosesTheConnection() throws Exception {
        String smuggle = HostileRequestTest.SMUGGLE;
        try (RawOrigin origin = new RawOrigin(); HostileFixture proxy = new HostileFixture(origin)) {
            try (RawClient client = new RawClient(proxy.port())) {
                client.send("POST /forbidden HTTP/1.1\r\nHost: x\r\nContent-Length: " + smuggle.length()
                        + "\r\nExpect: 100-continue\r\n\r\n");
                Message response = client.expectResponse(false);
                assertEquals(403, response.status(), client.received());
                try {
                    client.send(smuggle);
                } catch (IOException e) {
                    // already closed: what this test wants
                }
                client.assertClosed();
            }
            try (RawClient after = new RawClient(proxy.port())) {
                assertEquals(200, after.send("GET /legit-after HTTP/1.1\r\nHost: x\r\n\r\n").expectResponse(false).status());
            }
            proxy.stop();
            origin.assertNoSmuggledRequest(Want.of("GET", "/legit-after"));
        }
    }
}
