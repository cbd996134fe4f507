package org.pingora4j.core.connectors.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.error.ErrorSource;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * The three certificate faults an operator meets: expired, issued for another host, issued by an
 * untrusted CA. Each fails the connect with INVALID_CERT, says which of the three it was, names the
 * peer, and sends the origin nothing.
 */
final class HttpConnectorTlsFaultsTest {

    private static final CaCertificates CA = CaCertificates.fromPemFile(TestCerts.file("ca.crt"));

    private final ConnectorFixture fixture = new ConnectorFixture();
    private final HttpConnector connector = new HttpConnector(new ConnectorOptions(128));

    @AfterEach
    void tearDown() {
        connector.close();
        fixture.close();
    }

    private PingoraException connectFails(String cert) throws Exception {
        try (TestOrigin origin = TestOrigin.tls(cert)) {
            HttpPeer peer = new HttpPeer(origin.address(), true, "localhost").withOptions(o -> o.ca(CA));
            Exception e = assertThrows(Exception.class, () -> ConnectorFixture.await(connector.getHttpSession(peer, fixture.loop())));
            PingoraException error = assertInstanceOf(PingoraException.class, e);
            assertEquals(ErrorType.INVALID_CERT, error.type(), error.getMessage());
            assertEquals(ErrorSource.UPSTREAM, error.source());
            assertTrue(error.getMessage().contains(origin.address()), "names the peer: " + error.getMessage());
            assertEquals(0, origin.requests(), "nothing was sent to an unverified origin");
            return error;
        }
    }

    private static void assertSays(PingoraException e, String reason) {
        assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains(reason), "says \"" + reason + "\": " + e.getMessage());
    }

    @Test
    void anExpiredCertificateIsRejectedAsExpired() throws Exception {
        assertSays(connectFails("expired"), "certificate expired");
    }

    @Test
    void aCertificateForAnotherHostIsRejectedAsAMismatch() throws Exception {
        PingoraException e = connectFails("wrong-host");
        assertSays(e, "does not match");
        assertTrue(e.getMessage().contains("wrong.example.com"), e.getMessage());
    }

    @Test
    void aCertificateFromAnUntrustedCaIsRejectedAsUntrusted() throws Exception {
        assertSays(connectFails("other-ca-server"), "not trusted");
    }
}
