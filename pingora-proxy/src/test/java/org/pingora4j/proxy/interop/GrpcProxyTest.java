package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.proxy.grpc.GrpcOrigin;
import org.pingora4j.proxy.grpc.GrpcTestClient;
import org.pingora4j.proxy.grpc.GrpcTestService;

/**
 * grpc-java's client and server with the proxy between them, HTTP/2 on both sides: plaintext
 * (h2c with prior knowledge at the proxy's plain port, to an h2c origin) and TLS (ALPN h2 at the
 * proxy's TLS port, to a TLS origin). Every call shape, a deadline, a cancel, an error in
 * trailers-only form.
 */
final class GrpcProxyTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);
    private static final CaCertificates CA = CaCertificates.fromPemFile(TestCerts.file("ca.crt"));

    static GrpcOrigin plainOrigin;
    static GrpcOrigin tlsOrigin;
    static H2EdgeProxy plainProxy;
    static H2EdgeProxy tlsProxy;

    @BeforeAll
    static void start() throws Exception {
        plainOrigin = GrpcOrigin.plaintext();
        tlsOrigin = GrpcOrigin.tls();
        plainProxy = new H2EdgeProxy("127.0.0.1:" + plainOrigin.port(), false, o -> o.alpn(Alpn.H2), o -> o);
        tlsProxy = new H2EdgeProxy("127.0.0.1:" + tlsOrigin.port(), true, o -> o.alpn(Alpn.H2).ca(CA), o -> o);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {plainProxy, tlsProxy, plainOrigin, tlsOrigin}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
    }

    private static GrpcTestClient client(boolean tls) throws Exception {
        return tls ? GrpcTestClient.tls("127.0.0.1", tlsProxy.tlsPort(), "localhost")
                : GrpcTestClient.plaintext("127.0.0.1", plainProxy.plainPort());
    }

    private static GrpcOrigin origin(boolean tls) {
        return tls ? tlsOrigin : plainOrigin;
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void unary(boolean tls) throws Exception {
        try (GrpcTestClient client = client(tls)) {
            GrpcTestClient.Outcome outcome = client.unary("hello through the proxy");
            assertEquals(Status.Code.OK, outcome.status().getCode(), outcome.status().toString());
            assertEquals("hello through the proxy", outcome.text());
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void serverStreaming(boolean tls) throws Exception {
        try (GrpcTestClient client = client(tls)) {
            GrpcTestClient.Outcome outcome = client.serverStream(100, 1024);
            assertTrue(outcome.ok(), outcome.status().toString());
            assertEquals(100, outcome.messages().size());
            for (int i = 0; i < 100; i++) {
                assertArrayEquals(GrpcTestService.streamMessage(i, 1024), outcome.messages().get(i), "message " + i);
            }
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void clientStreaming(boolean tls) throws Exception {
        Random random = new Random(11);
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            byte[] chunk = new byte[64 * 1024];
            random.nextBytes(chunk);
            chunks.add(chunk);
        }
        try (GrpcTestClient client = client(tls)) {
            GrpcTestClient.Outcome outcome = client.clientStream(chunks);
            assertTrue(outcome.ok(), outcome.status().toString());
            assertEquals(GrpcTestService.summary(chunks), outcome.text(), "1 MiB arrived whole (SHA-256)");
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void bidiPingPong(boolean tls) throws Exception {
        List<String> messages = List.of("one", "two", "three", "x".repeat(100_000));
        try (GrpcTestClient client = client(tls)) {
            GrpcTestClient.Outcome outcome = client.bidi(messages);
            assertTrue(outcome.ok(), outcome.status().toString());
            assertEquals(messages.size(), outcome.messages().size());
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void deadlineExpiresAndTheOriginSeesTheCancel(boolean tls) throws Exception {
        var cancelled = origin(tls).service().resetCancelled();
        try (GrpcTestClient client = client(tls)) {
            // A call first, so that the deadline's call finds the proxy's upstream connection open:
            // otherwise it may expire before the call reaches the origin, which then sees no cancel.
            assertTrue(client.unary("warm").ok());
            GrpcTestClient.Outcome outcome = client.deadline(Duration.ofMillis(500)).slow(Duration.ofSeconds(60));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, outcome.status().getCode(), outcome.status().toString());
            assertEquals(GrpcTestService.SLOW.getFullMethodName(), cancelled.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void clientCancelReachesTheOrigin(boolean tls) throws Exception {
        var cancelled = origin(tls).service().resetCancelled();
        try (GrpcTestClient client = client(tls)) {
            GrpcTestClient.Call call = client.open(GrpcTestService.BIDI).send("ping");
            assertEquals("ping", call.nextText(LIMIT));
            call.cancel("test cancels");
            assertEquals(Status.Code.CANCELLED, call.await().status().getCode());
            assertEquals(GrpcTestService.BIDI.getFullMethodName(), cancelled.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS));
        }
    }

    @org.junit.jupiter.api.Test
    void aGrpcCallIsNeverDowngradedToHttp11() throws Exception {
        try (H2EdgeProxy toH1 = new H2EdgeProxy("127.0.0.1:" + plainOrigin.port(), false, o -> o.alpn(Alpn.H1), o -> o);
             GrpcTestClient client = GrpcTestClient.plaintext("127.0.0.1", toH1.plainPort())) {
            GrpcTestClient.Outcome outcome = client.unary("over h1?");
            assertTrue(!outcome.ok(), outcome.status().toString());
            org.pingora4j.proxy.Await.until("logged", Duration.ofSeconds(10), () -> !toH1.outcomes.isEmpty());
            assertEquals(org.pingora4j.core.error.ErrorType.H2_DOWNGRADE, toH1.outcomes.get(0).error().type());
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void errorStatusArrivesTrailersOnly(boolean tls) throws Exception {
        try (GrpcTestClient client = client(tls)) {
            GrpcTestClient.Outcome outcome = client.unary("fail:NOT_FOUND:no such thing");
            assertEquals(Status.Code.NOT_FOUND, outcome.status().getCode(), outcome.status().toString());
            assertEquals("no such thing", outcome.status().getDescription());
            assertTrue(outcome.trailersOnly(), "headers before the trailers: " + outcome.headers());
        }
    }
}
