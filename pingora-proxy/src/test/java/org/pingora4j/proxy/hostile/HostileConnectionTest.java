package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.ManualClock;
import org.pingora4j.proxy.HttpServerOptions;
import org.pingora4j.proxy.hostile.RawOrigin.Want;
import org.pingora4j.proxy.hostile.StrictHttp.Message;

/** Hostile clients that play with time and interim responses rather than with syntax (issue #8, suite item 3). */
final class HostileConnectionTest {

    /**
     * Slowloris on the head: header lines trickled in must not hold the connection. The proxy's
     * clock is moved by hand, 15 s per line: the wait for a whole head is bounded by the keep-alive
     * timeout (60 s), however steadily the bytes come.
     */
    @Test
    void aHeadTrickledForeverIsCutOff() throws Exception {
        ManualClock clock = new ManualClock();
        try (RawOrigin origin = new RawOrigin();
             HostileFixture proxy = new HostileFixture(origin, HttpServerOptions.defaults(), Duration.ofSeconds(10), clock);
             RawClient client = new RawClient(proxy.port())) {
            client.send("GET /legit HTTP/1.1\r\nHost: x\r\n");
            int lines = 0;
            boolean closed = false;
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            // One more header line per 15 s of server time, for as long as the proxy takes them.
            while (!closed && System.nanoTime() - giveUp < 0) {
                try {
                    client.send("X-Slow-" + lines++ + ": y\r\n");
                } catch (IOException closedUnderUs) {
                    // cut off while still trickling
                }
                clock.advance(Duration.ofSeconds(15));
                closed = client.closedWithin(20);
            }
            assertTrue(closed, "the proxy closed the trickling connection: " + client.received());
            assertTrue(lines >= 4, "it was cut off by the clock, after a minute of trickling: " + lines);
            String got = client.received();
            assertTrue(got.startsWith("\"\"") || got.startsWith("\"HTTP/1.1 408 "), "nothing, or a 408: " + got);
            try (RawClient after = new RawClient(proxy.port())) {
                assertEquals(200, after.send("GET /legit-after HTTP/1.1\r\nHost: x\r\n\r\n").expectResponse(false).status());
            }
            proxy.stop();
            origin.assertNoSmuggledRequest(Want.of("GET", "/legit-after"));
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
