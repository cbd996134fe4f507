package org.pingora4j.core.connectors.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.testing.ManualClock;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/** Idle timeouts and the upstream's Keep-Alive header, on an injected clock: no test waits for time to pass. */
final class HttpConnectorExpiryTest {

    private final ManualClock clock = new ManualClock();
    private final ConnectorFixture fixture = new ConnectorFixture();
    private HttpConnector connector = connector(new ConnectorOptions(128));

    private HttpConnector connector(ConnectorOptions options) {
        return HttpConnector.builder(options).ticker(clock).scheduler(clock).build();
    }

    @AfterEach
    void tearDown() {
        connector.close();
        fixture.close();
    }

    private static HttpPeer peer(TestOrigin origin, Duration idleTimeout) {
        return new HttpPeer(origin.address(), false, "").withOptions(o -> o.idleTimeout(idleTimeout));
    }

    @Test
    void anIdleConnectionExpiresAfterThePeersIdleTimeout() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            HttpPeer peer = peer(origin, Duration.ofSeconds(10));
            ConnectorFixture.Result first = fixture.exchange(connector, peer);
            clock.advance(Duration.ofSeconds(9));
            assertTrue(fixture.exchange(connector, peer).digest().reused(), "9 s idle: still pooled");

            clock.advance(Duration.ofSeconds(10));
            ConnectorFixture.awaitClosed(first.session());
            assertEquals(0, connector.stats().pool().idle());
            assertEquals(1, connector.stats().pool().expirations());
            ConnectorFixture.Result fresh = fixture.exchange(connector, peer);
            assertFalse(fresh.digest().reused());
            assertEquals(2, origin.accepted());
        }
    }

    @Test
    void zeroIdleTimeoutMeansDoNotPool() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            HttpPeer peer = peer(origin, Duration.ZERO);
            fixture.exchange(connector, peer);
            assertFalse(fixture.exchange(connector, peer).digest().reused());
            assertEquals(2, origin.accepted());
            assertEquals(0, connector.stats().pool().idle());
        }
    }

    @Test
    void keepAliveTimeoutExpiresTheConnectionASafetyMarginEarly() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK, "hi", "Keep-Alive", "timeout=5"));
            HttpPeer peer = peer(origin, Duration.ofSeconds(60));
            ConnectorFixture.Result first = fixture.exchange(connector, peer);
            clock.advance(Duration.ofMillis(3_999));
            assertEquals(1, connector.stats().pool().idle());
            clock.advance(Duration.ofMillis(1));
            ConnectorFixture.awaitClosed(first.session());
            assertEquals(0, connector.stats().pool().idle());
            assertEquals(1, connector.stats().pool().expirations());
        }
    }

    @Test
    void theShorterOfPeerAndKeepAliveTimeoutWins() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK, "hi", "Keep-Alive", "timeout=75"));
            ConnectorFixture.Result first = fixture.exchange(connector, peer(origin, Duration.ofSeconds(30)));
            clock.advance(Duration.ofSeconds(30));
            ConnectorFixture.awaitClosed(first.session());
            assertEquals(1, connector.stats().pool().expirations());
        }
    }

    @Test
    void aKeepAliveTimeoutTooShortToBeSafeIsNotPooled() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK, "hi", "Keep-Alive", "timeout=1"));
            HttpPeer peer = peer(origin, null);
            fixture.exchange(connector, peer);
            assertFalse(fixture.exchange(connector, peer).digest().reused());
            assertEquals(2, connector.stats().notReusable());
        }
    }

    @Test
    void keepAliveMaxLimitsTheRequestsOnAConnection() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            // Like Apache: the budget left after this response; the last one allowed says max=0.
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK, "hi",
                    "Keep-Alive", "timeout=60, max=" + (3 - ex.requestOnConnection())));
            HttpPeer peer = peer(origin, null);
            assertFalse(fixture.exchange(connector, peer).digest().reused());
            assertTrue(fixture.exchange(connector, peer).digest().reused());
            ConnectorFixture.Result third = fixture.exchange(connector, peer);
            assertTrue(third.digest().reused());
            assertEquals(3, third.digest().requestNumber());
            assertFalse(fixture.exchange(connector, peer).digest().reused(), "max=0: the connection is spent");
            assertEquals(2, origin.accepted());
        }
    }

    /** Pools one connection to each of six origins, on a pool of capacity 2 and ceiling 3. */
    private ConnectorFixture.Result[] fillPastCapacity(TestOrigin[] origins, int[] idleAfterEach) throws Exception {
        connector.close();
        connector = connector(ConnectorOptions.builder().keepalivePoolSize(2).keepalivePoolMaxIdle(3).build());
        ConnectorFixture.Result[] results = new ConnectorFixture.Result[origins.length];
        for (int i = 0; i < origins.length; i++) {
            origins[i] = TestOrigin.plain();
            results[i] = fixture.exchange(connector, peer(origins[i], null));
            idleAfterEach[i] = connector.stats().pool().idle();
        }
        return results;
    }

    @Test
    void thePoolNeverHoldsMoreThanItsMaxIdleCeilingAcrossManyPeers() throws Exception {
        TestOrigin[] origins = new TestOrigin[6];
        int[] idle = new int[origins.length];
        try {
            ConnectorFixture.Result[] results = fillPastCapacity(origins, idle);
            assertEquals(java.util.List.of(1, 2, 3, 3, 3, 3), java.util.Arrays.stream(idle).boxed().toList(),
                    "above the capacity (2) for a while, never above the ceiling (3)");
            assertEquals(3, connector.stats().pool().evictions());
            for (int i = 0; i < 3; i++) {
                ConnectorFixture.awaitClosed(results[i].session());
            }
        } finally {
            for (TestOrigin origin : origins) {
                if (origin != null) {
                    origin.close();
                }
            }
        }
    }

    @Test
    void thePoolTrimsBackToItsCapacityAfterTheTrimDelay() throws Exception {
        TestOrigin[] origins = new TestOrigin[6];
        try {
            ConnectorFixture.Result[] results = fillPastCapacity(origins, new int[origins.length]);
            assertEquals(3, connector.stats().pool().idle());
            clock.advance(Duration.ofSeconds(1));
            assertEquals(2, connector.stats().pool().idle(), "quiet for the trim delay: back to the capacity");
            ConnectorFixture.awaitClosed(results[3].session());
            assertTrue(fixture.exchange(connector, peer(origins[5], null)).digest().reused(), "the newest survived");
            assertTrue(fixture.exchange(connector, peer(origins[4], null)).digest().reused(), "and the one before");
        } finally {
            for (TestOrigin origin : origins) {
                if (origin != null) {
                    origin.close();
                }
            }
        }
    }
}
