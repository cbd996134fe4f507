package org.pingora4j.core.upstreams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.testing.TestCerts;

final class HttpPeerTest {

    private static final CaCertificates CA = CaCertificates.fromPemFile(TestCerts.file("ca.crt"));
    private static final CaCertificates CA2 = CaCertificates.fromPemFile(TestCerts.file("ca2.crt"));
    private static final CertKey CLIENT = CertKey.fromPemFiles(TestCerts.file("client.crt"), TestCerts.file("client.key"));

    // ---- address parsing ------------------------------------------------------------------------

    @Test
    void parsesHostNameAndPort() {
        HttpPeer peer = new HttpPeer("api.example.com:443", true, "api.example.com");
        assertEquals("api.example.com", peer.host());
        assertEquals(443, peer.port());
        assertEquals("api.example.com:443", peer.address());
        assertTrue(peer.tls());
        assertEquals("api.example.com", peer.sni());
        assertEquals(PeerOptions.defaults(), peer.options());
    }

    @Test
    void parsesIpv4Literal() {
        HttpPeer peer = new HttpPeer("127.0.0.1:8080", false, "");
        assertEquals("127.0.0.1", peer.host());
        assertEquals(8080, peer.port());
        assertEquals("127.0.0.1:8080", peer.address());
        assertFalse(peer.tls());
    }

    @Test
    void parsesBracketedIpv6Literal() {
        HttpPeer peer = new HttpPeer("[::1]:443", true, "");
        assertEquals("::1", peer.host());
        assertEquals(443, peer.port());
        assertEquals("[::1]:443", peer.address());
    }

    @Test
    void lowerCasesTheHost() {
        HttpPeer peer = new HttpPeer("API.Example.COM:443", true, "api.example.com");
        assertEquals("api.example.com", peer.host());
        assertEquals("api.example.com:443", peer.address());
        assertEquals(new HttpPeer("api.example.com:443", true, "api.example.com"), peer);
        assertEquals(new HttpPeer("api.example.com:443", true, "api.example.com").reuseHash(), peer.reuseHash());
    }

    @Test
    void acceptsPortBounds() {
        assertEquals(1, new HttpPeer("a:1", false, "").port());
        assertEquals(65535, new HttpPeer("a:65535", false, "").port());
    }

    @ParameterizedTest
    @ValueSource(strings = {"nohost", ":80", "a:0", "a:65536", "a:x", "::1:443", "a:", "a:+80", "a:-1", "[]:80",
        "[::1]", "a: 80"})
    void rejectsBadAddresses(String address) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new HttpPeer(address, false, ""));
        assertEquals("address: \"" + address + "\" (expected: host:port or [ipv6]:port, port 1..65535)", e.getMessage());
    }

    @Test
    void rejectsNullArguments() {
        assertThrows(NullPointerException.class, () -> new HttpPeer(null, false, ""));
        assertThrows(NullPointerException.class, () -> new HttpPeer("a:80", false, null));
        assertThrows(NullPointerException.class, () -> new HttpPeer("a", 80, false, "", null));
    }

    @Test
    void fiveArgumentConstructorValidates() {
        IllegalArgumentException noHost = assertThrows(IllegalArgumentException.class,
                () -> new HttpPeer("", 80, false, "", PeerOptions.defaults()));
        assertEquals("host: \"\" (expected: a host name or IP)", noHost.getMessage());
        IllegalArgumentException badPort = assertThrows(IllegalArgumentException.class,
                () -> new HttpPeer("a", 0, false, "", PeerOptions.defaults()));
        assertEquals("port: 0 (expected: 1..65535)", badPort.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new HttpPeer("a", 65536, false, "", PeerOptions.defaults()));
        assertEquals("[::1]:8443", new HttpPeer("::1", 8443, true, "", PeerOptions.defaults()).address());
    }

    // ---- toString ---------------------------------------------------------------------------------

    @Test
    void formatsLikePingora() {
        assertEquals("addr: api.example.com:443, scheme: HTTPS, sni: api.example.com",
                new HttpPeer("api.example.com:443", true, "api.example.com").toString());
        assertEquals("addr: 127.0.0.1:8080, scheme: HTTP", new HttpPeer("127.0.0.1:8080", false, "").toString());
        assertEquals("addr: [::1]:443, scheme: HTTPS, group_key: 7",
                new HttpPeer("[::1]:443", true, "").withOptions(o -> o.groupKey(7)).toString());
    }

    // ---- withOptions ------------------------------------------------------------------------------

    @Test
    void withOptionsReturnsANewPeerAndLeavesTheOriginalUnchanged() {
        HttpPeer original = new HttpPeer("api.example.com:443", true, "api.example.com");
        HttpPeer changed = original.withOptions(o -> o.idleTimeout(Duration.ofSeconds(60))
                .connectionTimeout(Duration.ofSeconds(2)));

        assertNotSame(original, changed);
        assertNull(original.idleTimeout());
        assertEquals(PeerOptions.DEFAULT_CONNECTION_TIMEOUT, original.options().connectionTimeout());
        assertEquals(PeerOptions.defaults(), original.options());
        assertEquals(Duration.ofSeconds(60), changed.idleTimeout());
        assertEquals(Duration.ofSeconds(2), changed.options().connectionTimeout());
        assertEquals(original.address(), changed.address());
        assertEquals(original.sni(), changed.sni());
        assertEquals(original.tls(), changed.tls());
        assertNotEquals(original, changed, "peers with different options are not equal");
        assertEquals(original.reuseKey(), changed.reuseKey(), "timeouts do not change the reuse key");
    }

    @Test
    void withOptionsObjectReplacesAllOptions() {
        PeerOptions options = PeerOptions.builder().groupKey(3).build();
        HttpPeer peer = new HttpPeer("a:80", false, "").withOptions(options);
        assertEquals(options, peer.options());
        assertEquals(3, peer.options().groupKey());
    }

    // ---- reuse key ----------------------------------------------------------------------------------

    private static HttpPeer base() {
        return new HttpPeer("api.example.com:443", true, "api.example.com");
    }

    private static HttpPeer base(UnaryOperator<PeerOptions.Builder> change) {
        return base().withOptions(change);
    }

    @Test
    void equalPeersHaveEqualReuseKeys() throws Exception {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        UnaryOperator<PeerOptions.Builder> everything = o -> o
                .verifyHostname(false)
                .alternativeCn("alt.example.com")
                .ca(CaCertificates.fromPemFile(TestCerts.file("ca.crt")))
                .clientCertKey(CertKey.fromPemFiles(TestCerts.file("client.crt"), TestCerts.file("client.key")))
                .alpn(Alpn.H2H1)
                .bindTo(loopback)
                .groupKey(42)
                .connectionTimeout(Duration.ofSeconds(1))
                .tcpKeepalive(new TcpKeepalive(Duration.ofSeconds(30), Duration.ofSeconds(5), 3));
        HttpPeer a = base(everything);
        HttpPeer b = base(everything);

        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a.reuseKey(), b.reuseKey());
        assertEquals(a.reuseHash(), b.reuseHash());
        assertEquals(base().reuseHash(), base().reuseHash());
        assertEquals(base().reuseKey(), base().reuseKey());
        assertEquals(a.reuseHash(), a.reuseKey().hash());
    }

    private static void assertDifferentKeys(HttpPeer a, HttpPeer b, String what) {
        assertNotEquals(a.reuseKey(), b.reuseKey(), what + " must change the reuse key");
        assertNotEquals(a.reuseHash(), b.reuseHash(), what + " must change the reuse hash");
        assertNotEquals(a, b, what + " must make the peers unequal");
    }

    private static void assertSameKeys(HttpPeer a, HttpPeer b, String what) {
        assertEquals(a.reuseKey(), b.reuseKey(), what + " must not change the reuse key");
        assertEquals(a.reuseHash(), b.reuseHash(), what + " must not change the reuse hash");
    }

    @Test
    void addressIsInTheReuseKey() {
        assertDifferentKeys(base(), new HttpPeer("other.example.com:443", true, "api.example.com"), "host");
        assertDifferentKeys(base(), new HttpPeer("api.example.com:8443", true, "api.example.com"), "port");
    }

    @Test
    void tlsAndSniAreInTheReuseKey() {
        assertDifferentKeys(base(), new HttpPeer("api.example.com:443", false, "api.example.com"), "tls");
        assertDifferentKeys(base(), new HttpPeer("api.example.com:443", true, "other.example.com"), "sni");
        assertDifferentKeys(base(), new HttpPeer("api.example.com:443", true, ""), "empty sni");
    }

    @Test
    void verificationSettingsAreInTheReuseKey() {
        assertDifferentKeys(base(), base(o -> o.verifyCert(false)), "verifyCert");
        assertDifferentKeys(base(), base(o -> o.verifyHostname(false)), "verifyHostname");
        assertDifferentKeys(base(), base(o -> o.alternativeCn("alt.example.com")), "alternativeCn");
        assertDifferentKeys(base(o -> o.alternativeCn("a.example.com")), base(o -> o.alternativeCn("b.example.com")),
                "alternativeCn value");
    }

    @Test
    void trustRootsAreInTheReuseKey() {
        assertDifferentKeys(base(), base(o -> o.ca(CA)), "ca set");
        assertDifferentKeys(base(o -> o.ca(CA)), base(o -> o.ca(CA2)), "ca");
        assertSameKeys(base(o -> o.ca(CA)), base(o -> o.ca(CaCertificates.fromPemFile(TestCerts.file("ca.crt")))),
                "the same CA loaded twice");
    }

    @Test
    void clientCertificateIsInTheReuseKey() {
        assertDifferentKeys(base(), base(o -> o.clientCertKey(CLIENT)), "clientCertKey");
        assertDifferentKeys(base(o -> o.clientCertKey(CLIENT)),
                base(o -> o.clientCertKey(CertKey.fromPemFiles(TestCerts.file("server.crt"), TestCerts.file("server.key")))),
                "clientCertKey value");
    }

    @Test
    void alpnBindAddressAndGroupKeyAreInTheReuseKey() throws Exception {
        assertDifferentKeys(base(), base(o -> o.alpn(Alpn.H2H1)), "alpn");
        assertDifferentKeys(base(o -> o.alpn(Alpn.H2)), base(o -> o.alpn(Alpn.H2H1)), "alpn value");
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        InetAddress other = InetAddress.getByName("127.0.0.2");
        assertDifferentKeys(base(), base(o -> o.bindTo(loopback)), "bindTo");
        assertDifferentKeys(base(o -> o.bindTo(loopback)), base(o -> o.bindTo(other)), "bindTo value");
        assertDifferentKeys(base(), base(o -> o.groupKey(1)), "groupKey");
        assertDifferentKeys(base(o -> o.groupKey(1)), base(o -> o.groupKey(2)), "groupKey value");
    }

    @Test
    void http2SettingsAreInTheReuseKeyButThePingIntervalIsNot() {
        assertDifferentKeys(base(o -> o.alpn(Alpn.H2)), base(o -> o.alpn(Alpn.H2).maxH2Streams(1)), "maxH2Streams");
        assertDifferentKeys(base(o -> o.maxH2Streams(1)), base(o -> o.maxH2Streams(2)), "maxH2Streams value");
        assertDifferentKeys(base(), base(o -> o.h2StreamWindow(1 << 20)), "h2StreamWindow");
        assertDifferentKeys(base(), base(o -> o.h2ConnectionWindow(1 << 22)), "h2ConnectionWindow");
        assertSameKeys(base(), base(o -> o.h2PingInterval(Duration.ofSeconds(5))), "h2PingInterval");
        assertThrows(IllegalArgumentException.class, () -> PeerOptions.builder().maxH2Streams(-1));
        assertThrows(IllegalArgumentException.class, () -> PeerOptions.builder().h2StreamWindow(1000));
        assertThrows(IllegalArgumentException.class, () -> PeerOptions.builder().h2PingInterval(Duration.ZERO));
    }

    @Test
    void timeoutsAndSocketTuningAreNotInTheReuseKey() {
        Duration d = Duration.ofSeconds(3);
        assertSameKeys(base(), base(o -> o.connectionTimeout(d)), "connectionTimeout");
        assertSameKeys(base(), base(o -> o.totalConnectionTimeout(d)), "totalConnectionTimeout");
        assertSameKeys(base(), base(o -> o.readTimeout(d)), "readTimeout");
        assertSameKeys(base(), base(o -> o.writeTimeout(d)), "writeTimeout");
        assertSameKeys(base(), base(o -> o.idleTimeout(d)), "idleTimeout");
        assertSameKeys(base(), base(o -> o.idleTimeout(Duration.ZERO)), "idleTimeout zero");
        assertSameKeys(base(), base(o -> o.tcpKeepalive(new TcpKeepalive(d, d, 5))), "tcpKeepalive");
        assertSameKeys(base(), base(o -> o.tcpRecvBuf(65536)), "tcpRecvBuf");
        HttpPeer all = base(o -> o.connectionTimeout(d).totalConnectionTimeout(d).readTimeout(d).writeTimeout(d)
                .idleTimeout(d).tcpKeepalive(new TcpKeepalive(d, d, 5)).tcpRecvBuf(1024));
        assertSameKeys(base(), all, "all timeouts and socket tuning");
        assertEquals(base().hashCode(), all.hashCode());
    }

    // ---- PeerOptions --------------------------------------------------------------------------------

    @Test
    void defaultsMirrorPingoraWithTimeoutsAdded() {
        PeerOptions d = PeerOptions.defaults();
        // Pingora has none of these; a hung origin would hold a request forever.
        assertEquals(Duration.ofSeconds(5), d.connectionTimeout());
        assertEquals(Duration.ofSeconds(5), d.tlsHandshakeTimeout());
        assertEquals(Duration.ofSeconds(10), d.totalConnectionTimeout());
        assertEquals(Duration.ofSeconds(60), d.readTimeout());
        assertEquals(Duration.ofSeconds(60), d.writeTimeout());
        assertNull(d.idleTimeout());
        assertTrue(d.verifyCert());
        assertTrue(d.verifyHostname());
        assertNull(d.alternativeCn());
        assertNull(d.ca());
        assertNull(d.clientCertKey());
        assertEquals(0, d.groupKey());
        assertEquals(Alpn.H1, d.alpn());
        assertNull(d.tcpKeepalive());
        assertNull(d.bindTo());
        assertEquals(0, d.tcpRecvBuf());
        assertEquals(d, PeerOptions.builder().build());
        assertEquals(d.hashCode(), PeerOptions.builder().build().hashCode());
    }

    @Test
    void toBuilderCopiesEveryField() throws Exception {
        PeerOptions o = PeerOptions.builder()
                .connectionTimeout(Duration.ofSeconds(1)).totalConnectionTimeout(Duration.ofSeconds(2))
                .readTimeout(Duration.ofSeconds(3)).writeTimeout(Duration.ofSeconds(4)).idleTimeout(Duration.ofSeconds(5))
                .verifyCert(false).verifyHostname(false).alternativeCn("alt.example.com").ca(CA).clientCertKey(CLIENT)
                .groupKey(9).alpn(Alpn.H2H1).tcpKeepalive(new TcpKeepalive(Duration.ofSeconds(1), Duration.ofSeconds(1), 1))
                .bindTo(InetAddress.getByName("127.0.0.1")).tcpRecvBuf(4096)
                .build();
        PeerOptions copy = o.toBuilder().build();
        assertEquals(o, copy);
        assertEquals(o.hashCode(), copy.hashCode());
        assertEquals(o.toString(), copy.toString());
        assertNotEquals(o, o.toBuilder().tcpRecvBuf(1).build());
    }

    @Test
    void builderRejectsNonPositiveTimeouts() {
        PeerOptions.Builder b = PeerOptions.builder();
        assertEquals("connectionTimeout: PT0S (expected: > 0 or null)",
                assertThrows(IllegalArgumentException.class, () -> b.connectionTimeout(Duration.ZERO)).getMessage());
        assertEquals("connectionTimeout: PT-1S (expected: > 0 or null)",
                assertThrows(IllegalArgumentException.class, () -> b.connectionTimeout(Duration.ofSeconds(-1))).getMessage());
        assertEquals("totalConnectionTimeout: PT0S (expected: > 0 or null)",
                assertThrows(IllegalArgumentException.class, () -> b.totalConnectionTimeout(Duration.ZERO)).getMessage());
        assertEquals("readTimeout: PT0S (expected: > 0 or null)",
                assertThrows(IllegalArgumentException.class, () -> b.readTimeout(Duration.ZERO)).getMessage());
        assertEquals("writeTimeout: PT-0.001S (expected: > 0 or null)",
                assertThrows(IllegalArgumentException.class, () -> b.writeTimeout(Duration.ofMillis(-1))).getMessage());
        assertEquals("idleTimeout: PT-1S (expected: >= 0 or null)",
                assertThrows(IllegalArgumentException.class, () -> b.idleTimeout(Duration.ofSeconds(-1))).getMessage());
        assertEquals("tcpRecvBuf: -1 (expected: >= 0)",
                assertThrows(IllegalArgumentException.class, () -> b.tcpRecvBuf(-1)).getMessage());
        assertEquals("alternativeCn: \" \" (expected: a host name or null)",
                assertThrows(IllegalArgumentException.class, () -> b.alternativeCn(" ")).getMessage());
        assertThrows(NullPointerException.class, () -> b.alpn(null));
        // a rejected value leaves the builder as it was
        assertEquals(PeerOptions.defaults(), b.build());
    }

    @Test
    void everyTimeoutCanBeSetToNone() {
        PeerOptions none = PeerOptions.builder().connectionTimeout(null).totalConnectionTimeout(null)
                .readTimeout(null).writeTimeout(null).build();
        assertNull(none.connectionTimeout());
        assertNull(none.totalConnectionTimeout());
        assertNull(none.readTimeout());
        assertNull(none.writeTimeout());
        assertEquals(PeerOptions.DEFAULT_TLS_HANDSHAKE_TIMEOUT, none.tlsHandshakeTimeout(), "the handshake stays bounded");
    }

    @Test
    void builderAcceptsNullAndBoundaryValues() {
        PeerOptions o = PeerOptions.builder()
                .connectionTimeout(Duration.ofNanos(1)).connectionTimeout(null)
                .idleTimeout(Duration.ZERO)
                .readTimeout(Duration.ofMillis(1))
                .tcpRecvBuf(0)
                .alternativeCn(null)
                .build();
        assertNull(o.connectionTimeout());
        assertEquals(Duration.ZERO, o.idleTimeout());
        assertEquals(Duration.ofMillis(1), o.readTimeout());
        assertEquals(0, o.tcpRecvBuf());
        assertNull(PeerOptions.builder().idleTimeout(Duration.ofSeconds(1)).idleTimeout(null).build().idleTimeout());
    }

    // ---- TcpKeepalive -------------------------------------------------------------------------------

    @Test
    void tcpKeepaliveValidatesItsComponents() {
        Duration s = Duration.ofSeconds(1);
        TcpKeepalive ok = new TcpKeepalive(Duration.ofSeconds(32767), s, 127);
        assertEquals(127, ok.count());
        assertEquals(new TcpKeepalive(s, s, 1), new TcpKeepalive(s, s, 1));

        assertEquals("idle: PT0.5S (expected: 1s..32767s)", assertThrows(IllegalArgumentException.class,
                () -> new TcpKeepalive(Duration.ofMillis(500), s, 1)).getMessage());
        assertEquals("interval: PT9H6M8S (expected: 1s..32767s)", assertThrows(IllegalArgumentException.class,
                () -> new TcpKeepalive(s, Duration.ofSeconds(32768), 1)).getMessage());
        assertEquals("count: 0 (expected: 1..127)",
                assertThrows(IllegalArgumentException.class, () -> new TcpKeepalive(s, s, 0)).getMessage());
        assertEquals("count: 128 (expected: 1..127)",
                assertThrows(IllegalArgumentException.class, () -> new TcpKeepalive(s, s, 128)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new TcpKeepalive(Duration.ofSeconds(-5), s, 1));
        assertEquals("idle", assertThrows(NullPointerException.class, () -> new TcpKeepalive(null, s, 1)).getMessage());
        assertEquals("interval", assertThrows(NullPointerException.class, () -> new TcpKeepalive(s, null, 1)).getMessage());
    }

    // ---- CaCertificates -----------------------------------------------------------------------------

    @Test
    void caCertificatesCompareByFingerprint() {
        CaCertificates again = CaCertificates.fromPemFile(TestCerts.file("ca.crt"));
        assertNotSame(CA, again);
        assertEquals(CA, again);
        assertEquals(CA.hashCode(), again.hashCode());
        assertEquals(CA.fingerprint(), again.fingerprint());
        assertEquals(64, CA.fingerprint().length());
        assertNotEquals(CA, CA2);
        assertNotEquals(CA.fingerprint(), CA2.fingerprint());
        assertEquals(1, CA.certificates().size());
        assertEquals("CN=pingora4j test CA", CA.certificates().get(0).getSubjectX500Principal().getName());
        assertEquals(CA, CaCertificates.of(CA.certificates()));
        assertTrue(CA.toString().startsWith("CaCertificates(1 certs, sha256=" + CA.fingerprint().substring(0, 16)),
                CA.toString());
    }

    @Test
    void caCertificatesValidateTheirComponents() {
        assertEquals("certificates: [] (expected: at least one)",
                assertThrows(IllegalArgumentException.class, () -> CaCertificates.of(List.of())).getMessage());
        assertEquals("fingerprint: does not match the certificates", assertThrows(IllegalArgumentException.class,
                () -> new CaCertificates(CA.certificates(), CA2.fingerprint())).getMessage());
    }

    @Test
    void caCertificatesReportUnreadableAndNonCertificateFiles() {
        Path missing = TestCerts.file("ca.crt").resolveSibling("does-not-exist.crt");
        PingoraException unreadable = assertThrows(PingoraException.class, () -> CaCertificates.fromPemFile(missing));
        assertEquals(ErrorType.FILE_READ_ERROR, unreadable.type());
        assertTrue(unreadable.getMessage().contains("does-not-exist.crt"), unreadable.getMessage());

        PingoraException notACert = assertThrows(PingoraException.class,
                () -> CaCertificates.fromPemFile(TestCerts.file("ca.key")));
        assertEquals(ErrorType.CONFIG_ERROR, notACert.type());
        assertTrue(notACert.getMessage().contains("ca.key"), notACert.getMessage());
    }

    // ---- CertKey ------------------------------------------------------------------------------------

    @Test
    void certKeyReadsPemFiles() {
        assertEquals(1, CLIENT.chain().size());
        assertEquals("CN=pingora4j test client", CLIENT.chain().get(0).getSubjectX500Principal().getName());
        assertEquals(64, CLIENT.fingerprint().length());
        assertTrue(new String(CLIENT.privateKeyPemBytes(), java.nio.charset.StandardCharsets.US_ASCII)
                .contains("-----BEGIN PRIVATE KEY-----"));
        assertTrue(new String(CLIENT.certChainPemBytes(), java.nio.charset.StandardCharsets.US_ASCII)
                .contains("-----BEGIN CERTIFICATE-----"));
        CertKey again = CertKey.fromPemFiles(TestCerts.file("client.crt"), TestCerts.file("client.key"));
        assertEquals(CLIENT, again);
        assertEquals(CLIENT.hashCode(), again.hashCode());
        assertTrue(CLIENT.toString().startsWith("CertKey(CN=pingora4j test client, sha256="), CLIENT.toString());
    }

    @Test
    void certKeyBytesAreDefensiveCopies() {
        byte[] bytes = CLIENT.privateKeyPemBytes();
        bytes[0] = 'X';
        assertEquals('-', CLIENT.privateKeyPemBytes()[0]);
    }

    @Test
    void certKeyRejectsANonKeyFile() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CertKey.fromPemFiles(TestCerts.file("client.crt"), TestCerts.file("client.crt")));
        assertTrue(e.getMessage().startsWith("privateKeyPem: "), e.getMessage());
        assertTrue(e.getMessage().endsWith("(expected: a PEM private key)"), e.getMessage());
    }

    @Test
    void certKeyRejectsANonCertificateChain() {
        PingoraException e = assertThrows(PingoraException.class,
                () -> CertKey.fromPemFiles(TestCerts.file("client.key"), TestCerts.file("client.key")));
        assertEquals(ErrorType.CONFIG_ERROR, e.type());
    }

    @Test
    void factoriesNameWhatTheBooleanAndTheEmptySniMeant() {
        HttpPeer plain = HttpPeer.plain("10.0.0.7:8080");
        assertEquals(new HttpPeer("10.0.0.7:8080", false, "").reuseKey(), plain.reuseKey());
        assertFalse(plain.tls());
        HttpPeer tls = HttpPeer.tls("127.0.0.1:8443", "origin.test");
        assertTrue(tls.tls());
        assertEquals("origin.test", tls.sni());
        assertEquals(new HttpPeer("127.0.0.1:8443", true, "origin.test").reuseKey(), tls.reuseKey());
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> HttpPeer.tls("127.0.0.1:8443", ""));
        assertTrue(e.getMessage().startsWith("sni: \"\""), e.getMessage());
    }
}
