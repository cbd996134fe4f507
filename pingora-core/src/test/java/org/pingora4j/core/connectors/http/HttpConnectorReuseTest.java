package org.pingora4j.core.connectors.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;

final class HttpConnectorReuseTest {

    private final ConnectorFixture fixture = new ConnectorFixture();
    private final HttpConnector connector = new HttpConnector(new ConnectorOptions(128));

    @AfterEach
    void tearDown() {
        connector.close();
        fixture.close();
    }

    @Test
    void sequentialRequestsReuseOnePlainConnection() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            HttpPeer peer = new HttpPeer(origin.address(), false, "");
            ConnectorFixture.Result first = fixture.exchange(connector, peer);
            ConnectorFixture.Result second = fixture.exchange(connector, peer);
            ConnectorFixture.Result third = fixture.exchange(connector, peer);

            assertEquals(200, first.status());
            assertEquals("hello", second.body());
            assertFalse(first.digest().reused());
            assertTrue(second.digest().reused());
            assertTrue(third.digest().reused());
            assertEquals(3, third.digest().requestNumber());
            assertNull(first.digest().ssl());
            assertEquals(1, origin.accepted());
            assertEquals(3, origin.requests());
            ConnectorStats stats = connector.stats();
            assertEquals(1, stats.connectsOk());
            assertEquals(2, stats.reused());
            assertEquals(1, stats.pool().idle());
        }
    }

    @Test
    void sequentialRequestsReuseOneTlsConnection() throws Exception {
        try (TestOrigin origin = TestOrigin.tls("server")) {
            HttpPeer peer = new HttpPeer(origin.address(), true, "localhost")
                    .withOptions(o -> o.ca(CaCertificates.fromPemFile(TestCerts.file("ca.crt"))));
            ConnectorFixture.Result first = fixture.exchange(connector, peer);
            ConnectorFixture.Result second = fixture.exchange(connector, peer);

            assertFalse(first.digest().reused());
            assertTrue(second.digest().reused());
            assertEquals(1, origin.accepted());
            assertNotNull(first.digest().ssl());
            assertEquals("Conscrypt", first.digest().ssl().provider());
            assertTrue(first.digest().ssl().protocol().startsWith("TLSv1."), first.digest().ssl().protocol());
            assertTrue(first.digest().timing().tlsHandshake().toNanos() > 0);
            assertEquals(first.digest().ssl(), second.digest().ssl(), "a reused connection's digest describes its handshake");
        }
    }
}
