package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.handler.codec.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.connectors.CertKeyFiles;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.error.ErrorSource;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.SslDigest;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.CertKey;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.PeerOptions;

final class HttpConnectorTlsTest {

    private static final CaCertificates CA = CaCertificates.fromPemFile(TestCerts.file("ca.crt"));
    private static final CaCertificates CA2 = CaCertificates.fromPemFile(TestCerts.file("ca2.crt"));
    private static final Path CLIENT_CRT = TestCerts.file("client.crt");
    private static final Path CLIENT_KEY = TestCerts.file("client.key");

    private final ConnectorFixture fixture = new ConnectorFixture();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final HttpConnector connector = closeLater(new HttpConnector(new ConnectorOptions(128)));

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        fixture.close();
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        toClose.add(resource);
        return resource;
    }

    private TestOrigin origin(String cert) throws Exception {
        return closeLater(TestOrigin.tls(cert));
    }

    /** A TLS peer on the origin's loopback address, trusting the test CA, with {@code sni} and changes. */
    private static HttpPeer peer(TestOrigin origin, String sni, UnaryOperator<PeerOptions.Builder> change) {
        return new HttpPeer(origin.address(), true, sni).withOptions(o -> change.apply(o.ca(CA)));
    }

    private static HttpPeer peer(TestOrigin origin, String sni) {
        return peer(origin, sni, o -> o);
    }

    private ConnectorFixture.Result ok(HttpConnector c, HttpPeer peer) throws Exception {
        ConnectorFixture.Result result = fixture.exchange(c, peer);
        assertEquals(200, result.status());
        assertEquals("hello", result.body());
        return result;
    }

    private ConnectorFixture.Result ok(HttpPeer peer) throws Exception {
        return ok(connector, peer);
    }

    /** Runs one exchange that must fail; releases whatever session it got. */
    private PingoraException failure(HttpConnector c, HttpPeer peer) throws Exception {
        Http1ClientSession session;
        try {
            session = ConnectorFixture.await(c.getHttpSession(peer, fixture.loop()));
        } catch (PingoraException e) {
            return e;
        }
        try {
            ConnectorFixture.await(session.writeRequestHeader(ConnectorFixture.get("/", peer.address()), true));
            HttpResponse head = ConnectorFixture.await(session.readResponseHeader());
            String body = ConnectorFixture.readBody(session);
            return fail("expected a failure, got " + head.status() + " " + body);
        } catch (PingoraException e) {
            return e;
        } finally {
            c.releaseHttpSession(session);
            ConnectorFixture.onLoop(session.eventLoop(), () -> null);
        }
    }

    private PingoraException failure(HttpPeer peer) throws Exception {
        return failure(connector, peer);
    }

    private PingoraException invalidCert(HttpConnector c, HttpPeer peer, TestOrigin origin) throws Exception {
        int served = origin.requests();
        PingoraException e = failure(c, peer);
        assertEquals(ErrorType.INVALID_CERT, e.type(), e.getMessage());
        assertEquals(ErrorSource.UPSTREAM, e.source());
        assertTrue(e.getMessage().contains(origin.address()), "names the peer: " + e.getMessage());
        assertEquals(served, origin.requests(), "nothing was sent to an unverified origin");
        return e;
    }

    private PingoraException invalidCert(HttpPeer peer, TestOrigin origin) throws Exception {
        return invalidCert(connector, peer, origin);
    }

    // ---- verification failures ----------------------------------------------------------------------

    @Test
    void certificateForAnotherHostIsRejected() throws Exception {
        TestOrigin origin = origin("wrong-host");
        PingoraException e = invalidCert(peer(origin, "localhost"), origin);
        assertTrue(e.getMessage().contains("wrong.example.com"), "names the certificate's names: " + e.getMessage());
        assertTrue(e.getMessage().contains("[localhost]"), "names the expected name: " + e.getMessage());
        assertEquals(1, connector.stats().connectsFailed());
        assertEquals(0, connector.stats().pool().idle());
    }

    @Test
    void untrustedCaIsRejected() throws Exception {
        TestOrigin origin = origin("other-ca-server");
        invalidCert(peer(origin, "localhost"), origin);
    }

    @Test
    void defaultTrustStoreDoesNotTrustTheTestCa() throws Exception {
        TestOrigin origin = origin("server");
        invalidCert(new HttpPeer(origin.address(), true, "localhost"), origin);
    }

    @Test
    void verifyHostnameOffStillVerifiesTheChain() throws Exception {
        TestOrigin origin = origin("other-ca-server");
        invalidCert(peer(origin, "localhost", o -> o.verifyHostname(false)), origin);
    }

    // ---- verification switched off ------------------------------------------------------------------

    @Test
    void verifyCertOffAcceptsAnUntrustedCa() throws Exception {
        TestOrigin origin = origin("other-ca-server");
        ConnectorFixture.Result result = ok(peer(origin, "localhost", o -> o.verifyCert(false)));
        assertEquals("CN=localhost", result.digest().ssl().peerSubject());
        assertEquals(1, origin.requests());
    }

    @Test
    void verifyCertOffAcceptsTheWrongHost() throws Exception {
        TestOrigin origin = origin("wrong-host");
        ConnectorFixture.Result result = ok(peer(origin, "localhost", o -> o.verifyCert(false)));
        assertEquals("CN=wrong.example.com", result.digest().ssl().peerSubject());
    }

    @Test
    void verifyHostnameOffAcceptsTheWrongHost() throws Exception {
        TestOrigin origin = origin("wrong-host");
        ok(peer(origin, "localhost", o -> o.verifyHostname(false)));
        assertEquals(1, origin.requests());
    }

    // ---- names --------------------------------------------------------------------------------------

    @Test
    void alternativeCnMatchesWhenTheSniDoesNot() throws Exception {
        TestOrigin origin = origin("server");
        ok(peer(origin, "other.example.org", o -> o.alternativeCn("api.example.com")));
        PingoraException e = invalidCert(peer(origin, "other.example.org"), origin);
        assertTrue(e.getMessage().contains("[other.example.org]"), e.getMessage());
        PingoraException both = failure(peer(origin, "other.example.org", o -> o.alternativeCn("nope.example.org")));
        assertEquals(ErrorType.INVALID_CERT, both.type());
        assertTrue(both.getMessage().contains("[other.example.org, nope.example.org]"), both.getMessage());
    }

    @Test
    void emptySniIsVerifiedAgainstThePeerAddress() throws Exception {
        TestOrigin origin = origin("server");
        ConnectorFixture.Result result = ok(peer(origin, ""));
        assertEquals("CN=localhost", result.digest().ssl().peerSubject());
    }

    @Test
    void emptySniIsStillVerifiedUnlikePingora() throws Exception {
        TestOrigin origin = origin("wrong-host");
        PingoraException e = invalidCert(peer(origin, ""), origin);
        assertTrue(e.getMessage().contains("[127.0.0.1]"), e.getMessage());
    }

    @Test
    void ipLiteralSniIsVerifiedAgainstTheIpSan() throws Exception {
        TestOrigin origin = origin("server");
        ok(peer(origin, "127.0.0.1"));
        TestOrigin wrong = origin("wrong-host");
        invalidCert(peer(wrong, "127.0.0.1"), wrong);
    }

    @Test
    void wildcardSanMatchesOneLabel() throws Exception {
        TestOrigin origin = origin("server");
        ok(peer(origin, "img.static.example.com"));
        invalidCert(peer(origin, "a.img.static.example.com"), origin);
        invalidCert(peer(origin, "static.example.com"), origin);
    }

    @Test
    void sniIsMatchedCaseInsensitively() throws Exception {
        TestOrigin origin = origin("server");
        ok(peer(origin, "API.Example.COM"));
    }

    // ---- trust roots --------------------------------------------------------------------------------

    @Test
    void connectorCaFileIsUsedWithoutAPeerCa() throws Exception {
        TestOrigin origin = origin("server");
        HttpConnector withCa = closeLater(new HttpConnector(ConnectorOptions.builder().keepalivePoolSize(128)
                .caFile(TestCerts.file("ca.crt")).build()));
        ConnectorFixture.Result result = ok(withCa, new HttpPeer(origin.address(), true, "localhost"));
        assertEquals("CN=localhost", result.digest().ssl().peerSubject());
    }

    @Test
    void peerCaReplacesTheConnectorCa() throws Exception {
        TestOrigin origin = origin("server");
        HttpConnector withCa = closeLater(new HttpConnector(ConnectorOptions.builder().keepalivePoolSize(128)
                .caFile(TestCerts.file("ca.crt")).build()));
        HttpPeer trustsCa2 = new HttpPeer(origin.address(), true, "localhost").withOptions(o -> o.ca(CA2));
        invalidCert(withCa, trustsCa2, origin);
        // and the connector CA still serves peers without their own
        ok(withCa, new HttpPeer(origin.address(), true, "localhost"));
    }

    @Test
    void peerCaWorksOnAConnectorWithAnotherCaFile() throws Exception {
        TestOrigin origin = origin("other-ca-server");
        HttpConnector withCa = closeLater(new HttpConnector(ConnectorOptions.builder().keepalivePoolSize(128)
                .caFile(TestCerts.file("ca.crt")).build()));
        invalidCert(withCa, new HttpPeer(origin.address(), true, "localhost"), origin);
        ok(withCa, new HttpPeer(origin.address(), true, "localhost").withOptions(o -> o.ca(CA2)));
    }

    // ---- mTLS ---------------------------------------------------------------------------------------

    @Test
    void clientCertificateSatisfiesMtls() throws Exception {
        TestOrigin origin = closeLater(TestOrigin.mtls("server", "ca"));
        ok(peer(origin, "localhost", o -> o.clientCertKey(CertKey.fromPemFiles(CLIENT_CRT, CLIENT_KEY))));
        assertEquals(1, origin.requests());
    }

    @Test
    void connectorClientCertificateSatisfiesMtls() throws Exception {
        TestOrigin origin = closeLater(TestOrigin.mtls("server", "ca"));
        HttpConnector withCert = closeLater(new HttpConnector(ConnectorOptions.builder().keepalivePoolSize(128)
                .caFile(TestCerts.file("ca.crt")).certKeyFile(new CertKeyFiles(CLIENT_CRT, CLIENT_KEY)).build()));
        ok(withCert, new HttpPeer(origin.address(), true, "localhost"));
    }

    @Test
    void mtlsWithoutAClientCertificateFails() throws Exception {
        TestOrigin origin = closeLater(TestOrigin.mtls("server", "ca"));
        PingoraException e = failure(peer(origin, "localhost"));
        // TLS 1.3: the client's side of the handshake completes; the server's refusal arrives as an
        // alert on the first read. A TLS error, not a malformed HTTP response.
        assertEquals(ErrorType.READ_ERROR, e.type(), e.getMessage());
        assertTrue(e.getMessage().contains("TLS error"), e.getMessage());
        assertFalse(e.retry(), "a TLS error is never retried");
        assertEquals(0, origin.requests(), "the origin served no request");
    }

    // ---- no sharing across TLS settings -------------------------------------------------------------

    @Test
    void connectionsAreNotSharedAcrossTlsSettings() throws Exception {
        TestOrigin origin = origin("server");
        HttpPeer localhost = peer(origin, "localhost");
        HttpPeer api = peer(origin, "api.example.com");

        assertFalse(ok(localhost).digest().reused());
        assertEquals(1, origin.accepted());

        assertFalse(ok(api).digest().reused(), "another SNI needs its own connection");
        assertEquals(2, origin.accepted());

        assertFalse(ok(peer(origin, "localhost", o -> o.verifyHostname(false))).digest().reused(),
                "another verifyHostname needs its own connection");
        assertEquals(3, origin.accepted());

        assertFalse(ok(peer(origin, "localhost", o -> o.groupKey(7))).digest().reused(),
                "another group key needs its own connection");
        assertEquals(4, origin.accepted());

        assertFalse(ok(peer(origin, "localhost", o -> o.clientCertKey(CertKey.fromPemFiles(CLIENT_CRT, CLIENT_KEY))))
                .digest().reused(), "another client certificate needs its own connection");
        assertEquals(5, origin.accepted());

        // Trusting another set of roots (here the test CA plus a second one): never a connection
        // verified against the first set, though the CA is not in pingora's reuse hash.
        CaCertificates bundle = CaCertificates.of(java.util.List.of(CA.certificates().get(0),
                CaCertificates.fromPemFile(org.pingora4j.core.testing.TestCerts.file("ca2.crt")).certificates().get(0)));
        assertFalse(ok(peer(origin, "localhost", o -> o.ca(bundle))).digest().reused(),
                "other trust roots need their own connection");
        assertEquals(6, origin.accepted());

        ConnectorFixture.Result again = ok(peer(origin, "localhost"));
        assertTrue(again.digest().reused(), "the same settings reuse");
        assertEquals(2, again.digest().requestNumber());
        assertTrue(ok(api).digest().reused());
        assertTrue(ok(peer(origin, "localhost", o -> o.readTimeout(java.time.Duration.ofSeconds(30)))).digest().reused(),
                "timeouts do not split connections");
        assertEquals(6, origin.accepted());
        assertEquals(9, origin.requests());
    }

    // ---- digest -------------------------------------------------------------------------------------

    @Test
    void digestDescribesTheHandshake() throws Exception {
        TestOrigin origin = origin("server");
        ConnectorFixture.Result result = ok(peer(origin, "localhost"));
        SslDigest ssl = result.digest().ssl();
        assertNotNull(ssl);
        assertEquals("Conscrypt", ssl.provider());
        assertTrue(ssl.peerSubject().contains("CN=localhost"), ssl.peerSubject());
        assertTrue(ssl.applicationProtocol() == null || ssl.applicationProtocol().equals("http/1.1"),
                String.valueOf(ssl.applicationProtocol()));
        assertTrue(ssl.protocol().startsWith("TLSv1."), ssl.protocol());
        assertNotNull(ssl.cipher());
        assertTrue(ssl.serialNumber().matches("[0-9a-f]+"), ssl.serialNumber());
        assertEquals(origin.port(), result.digest().socket().peerAddress().getPort());
        assertTrue(result.digest().timing().tlsHandshake().toNanos() > 0);
    }
}
