package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * An upstream whose certificate is expired, for another host, or from an untrusted CA: the client
 * gets 502, the logging phase sees INVALID_CERT with the reason, the origin gets no request, and
 * the proxy goes on serving.
 */
final class ProxyUpstreamTlsFaultsTest {

    private static final CaCertificates CA = CaCertificates.fromPemFile(TestCerts.file("ca.crt"));

    /** Sends {@code /<name>} to the TLS origin presenting {@code certs/<name>.crt}, as {@code localhost}. */
    static final class ByPath implements ProxyHttp<Void> {
        final Map<String, TestOrigin> origins;
        final LinkedBlockingQueue<PingoraException> errors = new LinkedBlockingQueue<>();

        ByPath(Map<String, TestOrigin> origins) {
            this.origins = origins;
        }

        @Override
        public Void newCtx() {
            return null;
        }

        @Override
        public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
            TestOrigin origin = origins.get(session.reqHeader().uri().substring(1));
            return CompletableFuture.completedStage(new HttpPeer(origin.address(), true, "localhost").withOptions(o -> o.ca(CA)));
        }

        @Override
        public void logging(Session session, PingoraException error, Void ctx) {
            if (error != null) {
                errors.add(error);
            }
        }
    }

    private static Map<String, TestOrigin> origins;
    private static ByPath proxy;
    private static ProxyFixture fixture;

    @BeforeAll
    static void start() throws Exception {
        origins = Map.of("expired", TestOrigin.tls("expired"), "wrong-host", TestOrigin.tls("wrong-host"),
                "other-ca-server", TestOrigin.tls("other-ca-server"), "server", TestOrigin.tls("server"));
        proxy = new ByPath(origins);
        fixture = ProxyFixture.of(proxy);
    }

    @AfterAll
    static void stop() {
        fixture.close();
        origins.values().forEach(TestOrigin::close);
    }

    private static void badGateway(String name, String reason) throws Exception {
        HttpResponse<String> response = fixture.get("/" + name);
        assertEquals(502, response.statusCode(), response.body());
        PingoraException error = proxy.errors.poll(10, TimeUnit.SECONDS);
        assertNotNull(error, "the logging phase saw the failure");
        assertEquals(ErrorType.INVALID_CERT, error.type(), error.getMessage());
        assertTrue(error.getMessage().contains(reason), "the reason is logged: " + error.getMessage());
        assertEquals(0, origins.get(name).requests(), "no request reached the unverified origin");

        HttpResponse<String> ok = fixture.get("/server");
        assertEquals(200, ok.statusCode(), "the proxy keeps serving");
        assertEquals("hello", ok.body());
    }

    @Test
    void expiredCertificateIs502() throws Exception {
        badGateway("expired", "certificate expired");
    }

    @Test
    void wrongHostCertificateIs502() throws Exception {
        badGateway("wrong-host", "does not match");
    }

    @Test
    void untrustedCertificateIs502() throws Exception {
        badGateway("other-ca-server", "not trusted");
    }
}
