package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.listeners.TlsCertificate;
import org.pingora4j.core.listeners.TlsSettings;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.core.testing.Bounded;
import org.pingora4j.core.testing.MachineRequirement;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;

/**
 * The TLS listener of issue #18 with the clients an operator uses, {@code openssl s_client} and
 * {@code curl}: certificates chosen by SNI (exact names, a one-label wildcard, the default), a
 * certificate callback, renewed files picked up on request without touching established
 * connections, a bad new file refused while the old certificate serves on, and client
 * certificates required or optional, with the verified identity in {@link Session}. Every request
 * is answered by the proxy itself (no origin).
 */
final class TlsListenerTest {

    @TempDir
    Path dir;
    private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, Transport.best().ioHandlerFactory());
    private ProxyService<Void> service;
    private final List<String> identities = new CopyOnWriteArrayList<>();

    /** Answers every request itself, 200 with the client certificate's subject (or "none"). */
    private final ProxyHttp<Void> answering = new ProxyHttp<>() {
        @Override
        public Void newCtx() {
            return null;
        }

        @Override
        public CompletionStage<Boolean> requestFilter(Session session, Void ctx) {
            String who = session.clientCertificate() == null ? "none" : session.clientCertificate().getSubjectX500Principal().getName();
            identities.add(who);
            return session.respond(200, "client: " + who + "\n");
        }

        @Override
        public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
            return CompletableFuture.failedStage(new IllegalStateException("answered in requestFilter"));
        }
    };

    @BeforeEach
    void requireTools() {
        MachineRequirement.require(Tools.has("openssl") && Tools.has("curl"), "openssl and curl",
                "the TLS listener is tested with the clients operators use");
    }

    @AfterEach
    void tearDown() {
        if (service != null) {
            service.stopAccepting();
            service.shutdown();
        }
        Bounded.await(loops.shutdownGracefully(0, 1, TimeUnit.SECONDS), "the event loops shutting down");
    }

    private Path copy(String name) throws IOException {
        Path target = dir.resolve(name);
        Files.copy(TestCerts.file(name), target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    private void start(Consumer<TlsSettings.Builder> settings) throws Exception {
        TlsSettings.Builder builder = TlsSettings.builder();
        settings.accept(builder);
        service = ProxyService.builder(ServerConf.defaults(), answering).build();
        service.addTls("127.0.0.1:0", builder.build());
        service.start(new ServiceContext(ServerConf.defaults(), loops, Transport.best()));
    }

    /** The server certificate, and client certificates asked for ({@code mode}) and verified against the test CA. */
    private void startAsking(TlsSettings.ClientAuth mode) throws Exception {
        Path crt = copy("server.crt");
        Path key = copy("server.key");
        Path ca = copy("ca.crt");
        start(b -> b.certificate(crt.toString(), key.toString()).clientAuth(mode, ca.toString()));
    }

    private int port() {
        return service.boundAddresses().get(0).getPort();
    }

    /** The subject CN and issuer CN of the certificate the listener serves for {@code serverName} (null: no SNI). */
    private String served(String serverName) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect", "127.0.0.1:" + port()));
        command.addAll(serverName == null ? List.of("-noservername") : List.of("-servername", serverName));
        String out = Tools.run(command, "");
        String subject = line(out, "subject=");
        String issuer = line(out, "issuer=");
        assertTrue(subject != null && issuer != null, "no certificate in: " + out);
        return cn(subject) + " by " + cn(issuer);
    }

    private static String line(String out, String prefix) {
        for (String line : out.split("\n")) {
            if (line.startsWith(prefix)) {
                return line.substring(prefix.length());
            }
        }
        return null;
    }

    private static String cn(String dn) {
        int at = dn.indexOf("CN = ");
        String rest = at < 0 ? dn : dn.substring(at + 5);
        int comma = rest.indexOf(',');
        return (comma < 0 ? rest : rest.substring(0, comma)).trim();
    }

    @Test
    void theCertificateIsChosenByServerNameExactThenWildcardThenTheDefault() throws Exception {
        Path wrongCrt = copy("wrong-host.crt");
        Path wrongKey = copy("wrong-host.key");
        Path serverCrt = copy("server.crt");
        Path serverKey = copy("server.key");
        start(b -> b.certificate(wrongCrt.toString(), wrongKey.toString()).certificate(serverCrt.toString(), serverKey.toString()));
        assertEquals("localhost by pingora4j test CA", served("api.example.com"), "exact name");
        assertEquals("localhost by pingora4j test CA", served("img.static.example.com"), "wildcard, one label");
        assertEquals("wrong.example.com by pingora4j test CA", served("a.b.static.example.com"), "a wildcard covers one label only");
        assertEquals("wrong.example.com by pingora4j test CA", served("unknown.test"), "the default");
        assertEquals("wrong.example.com by pingora4j test CA", served(null), "no SNI: the default");
    }

    @Test
    void aCertificateCallbackIsAskedFirst() throws Exception {
        TlsCertificate other = TlsCertificate.fromPemFiles(TestCerts.file("other-ca-server.crt"), TestCerts.file("other-ca-server.key"));
        Path serverCrt = copy("server.crt");
        Path serverKey = copy("server.key");
        start(b -> b.certificate(serverCrt.toString(), serverKey.toString())
                .certificateCallback(name -> "tenant.example.net".equals(name) ? other : null));
        assertEquals("localhost by pingora4j other CA", served("tenant.example.net"));
        assertEquals("localhost by pingora4j test CA", served("api.example.com"), "null from the callback: the usual choice");
    }

    @Test
    void renewedFilesServeNewHandshakesAndEstablishedConnectionsKeepTheirs() throws Exception {
        Path crt = copy("server.crt");
        Path key = copy("server.key");
        start(b -> b.certificate(crt.toString(), key.toString()).reloadCheckInterval(java.time.Duration.ZERO));
        try (SSLSocket established = Tools.tlsSocket(port(), "api.example.com")) {
            assertTrue(Tools.get(established, "/before").startsWith("HTTP/1.1 200 "));
            // The renewal: another CA's certificate for the same names, written over the files.
            Files.copy(TestCerts.file("other-ca-server.crt"), crt, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(TestCerts.file("other-ca-server.key"), key, StandardCopyOption.REPLACE_EXISTING);
            Files.setLastModifiedTime(crt, FileTime.from(Instant.now().plusSeconds(5)));
            List<String> done = service.reloadCertificates();
            assertTrue(done.get(0).contains("reloaded 1 certificate(s)"), done.toString());
            assertEquals("localhost by pingora4j other CA", served("api.example.com"), "a new handshake");
            assertTrue(Tools.get(established, "/after").startsWith("HTTP/1.1 200 "), "the established connection serves on");
            assertEquals("CN=pingora4j test CA", ((java.security.cert.X509Certificate) established.getSession()
                    .getPeerCertificates()[0]).getIssuerX500Principal().getName(), "with the certificate it started with");
        }
    }

    @Test
    void aBadNewFileIsRefusedAndTheOldCertificateServesOn() throws Exception {
        Path crt = copy("server.crt");
        Path key = copy("server.key");
        start(b -> b.certificate(crt.toString(), key.toString()).reloadCheckInterval(java.time.Duration.ZERO));
        // A key that is not the certificate's: the classic half-finished renewal.
        Files.copy(TestCerts.file("other-ca-server.key"), key, StandardCopyOption.REPLACE_EXISTING);
        String line = service.reloadCertificates().get(0);
        assertTrue(line.contains("refused") && line.contains("not the certificate's"), line);
        assertEquals("localhost by pingora4j test CA", served("api.example.com"));
        // Not PEM at all.
        Files.writeString(crt, "not a certificate", StandardCharsets.US_ASCII);
        line = service.reloadCertificates().get(0);
        assertTrue(line.contains("refused") && line.contains("not a PEM certificate"), line);
        assertEquals("localhost by pingora4j test CA", served("api.example.com"));
    }

    @Test
    void anExpiredCertificateOrAMismatchedKeyIsRefusedAtStartWithTheFileNamed() throws Exception {
        Path expiredCrt = copy("expired.crt");
        Path expiredKey = copy("expired.key");
        service = ProxyService.builder(ServerConf.defaults(), answering).build();
        PingoraException e = assertThrows(PingoraException.class, () -> service.addTls("127.0.0.1:0",
                TlsSettings.builder().certificate(expiredCrt.toString(), expiredKey.toString()).build()));
        assertTrue(e.getMessage().contains(expiredCrt.toString()) && e.getMessage().contains("not valid now"), e.getMessage());
        service = null;
    }

    @Test
    void requiredClientCertificatesAreVerifiedAndTheIdentityReachesTheSession() throws Exception {
        startAsking(TlsSettings.ClientAuth.REQUIRE);
        String with = Tools.curl(port(), "--cert", TestCerts.file("client.crt").toString(), "--key", TestCerts.file("client.key").toString());
        assertTrue(with.startsWith("200 client: CN=pingora4j test client"), with);
        String without = Tools.curl(port());
        assertTrue(without.startsWith("000"), "no client certificate, no handshake: " + without);
        assertEquals(List.of("CN=pingora4j test client"), identities);
    }

    @Test
    void optionalClientCertificatesLetClientsWithoutOneIn() throws Exception {
        startAsking(TlsSettings.ClientAuth.OPTIONAL);
        assertTrue(Tools.curl(port()).startsWith("200 client: none"));
        assertTrue(Tools.curl(port(), "--cert", TestCerts.file("client.crt").toString(), "--key",
                TestCerts.file("client.key").toString()).startsWith("200 client: CN=pingora4j test client"));
        // One signed by another CA is refused, not taken for "none".
        String stranger = Tools.curl(port(), "--cert", TestCerts.file("other-ca-server.crt").toString(), "--key",
                TestCerts.file("other-ca-server.key").toString());
        assertTrue(stranger.startsWith("000"), stranger);
        assertEquals(List.of("none", "CN=pingora4j test client"), identities);
    }
}
