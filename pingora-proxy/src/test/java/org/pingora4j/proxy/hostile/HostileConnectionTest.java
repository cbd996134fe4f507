package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.ManualClock;
import org.pingora4j.proxy.Await;
import org.pingora4j.proxy.HttpServerOptions;
import org.pingora4j.proxy.hostile.RawOrigin.Want;
import org.pingora4j.proxy.hostile.StrictHttp.Message;

/** Hostile clients that play with time and interim responses rather than with syntax (issue #8, suite item 3). */
final class HostileConnectionTest {

    /**
     * Slowloris on the head: header lines trickled in must not hold the connection. The proxy's
     * clock is moved by hand, 15 s per line: the wait for a whole head is bounded by the keep-alive
     * timeout T (60 s) from the connection's start, however steadily the bytes come. The connection
     * is still open at T - 1 s (after four lines) and closed at T + 1 s.
     */
    @Test
    void aHeadTrickledForeverIsCutOff() throws Exception {
        Duration keepalive = HttpServerOptions.defaults().keepaliveTimeout();
        Duration epsilon = Duration.ofSeconds(1);
        Duration line = Duration.ofSeconds(15);
        ManualClock clock = new ManualClock();
        try (RawOrigin origin = new RawOrigin();
             HostileFixture proxy = new HostileFixture(origin, HttpServerOptions.defaults(), Duration.ofSeconds(10), clock);
             RawClient client = new RawClient(proxy.port())) {
            // The wait starts when the proxy took the connection: at the clock's present.
            Await.until("the proxy accepted the connection", Duration.ofSeconds(10), () -> proxy.openConnections() == 1);
            proxy.awaitQuiet();
            client.send("GET /legit HTTP/1.1\r\nHost: x\r\n");
            Duration elapsed = Duration.ZERO;
            int lines = 0;
            // One more header line per 15 s of server time, each read by the proxy before the next step.
            while (elapsed.plus(line).compareTo(keepalive) < 0) {
                clock.advance(line);
                elapsed = elapsed.plus(line);
                proxy.awaitQuiet();
                assertFalse(client.closedWithin(50), "closed after " + elapsed.toSeconds() + " s: " + client.received());
                client.send("X-Slow-" + lines++ + ": y\r\n");
                proxy.awaitQuiet();
            }
            clock.advance(keepalive.minus(epsilon).minus(elapsed));
            proxy.awaitQuiet();
            assertEquals(1, proxy.openConnections(), "closed before the keep-alive timeout: " + client.received());
            assertFalse(client.closedWithin(50), "closed before the keep-alive timeout: " + client.received());
            client.send("X-Slow-" + lines++ + ": y\r\n");
            proxy.awaitQuiet();

            clock.advance(epsilon.multipliedBy(2));
            proxy.awaitQuiet();
            assertTrue(client.closedWithin(10_000), "the proxy closed the trickling connection at the keep-alive timeout: "
                    + client.received());
            assertEquals(4, lines, "it was cut off by the clock, after a minute of trickling");
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
