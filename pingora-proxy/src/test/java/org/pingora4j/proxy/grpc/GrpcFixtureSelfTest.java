package org.pingora4j.proxy.grpc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The gRPC fixtures against each other, no proxy: every {@link GrpcTestService} method from
 * {@link GrpcTestClient} straight to {@link GrpcOrigin}, plaintext and TLS.
 */
final class GrpcFixtureSelfTest {

    private static final Duration LIMIT = Duration.ofSeconds(10);

    static GrpcOrigin plain;
    static GrpcOrigin tls;

    @BeforeAll
    static void start() throws Exception {
        plain = GrpcOrigin.plaintext();
        tls = GrpcOrigin.tls();
    }

    @AfterAll
    static void stop() {
        if (plain != null) {
            plain.close();
        }
        if (tls != null) {
            tls.close();
        }
    }

    private static GrpcOrigin origin(boolean secure) {
        return secure ? tls : plain;
    }

    private static String awaitCancel(CompletableFuture<String> cancelled) throws Exception {
        return cancelled.get(LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void unaryEchoes(boolean secure) throws Exception {
        GrpcOrigin origin = origin(secure);
        try (GrpcTestClient client = GrpcTestClient.to(origin)) {
            GrpcTestClient.Outcome outcome = client.unary("hello ü");
            assertEquals(Status.Code.OK, outcome.status().getCode(), outcome.status().toString());
            assertEquals("hello ü", outcome.text());
            assertFalse(outcome.trailersOnly());
            assertEquals("application/grpc",
                    outcome.headers().get(Metadata.Key.of("content-type", Metadata.ASCII_STRING_MARSHALLER)));
            GrpcTestService.CallInfo seen = origin.service().lastCall();
            assertEquals("test.Echo/Unary", seen.method());
            assertEquals("127.0.0.1:" + origin.port(), seen.authority());
        }
    }

    @Test
    void tlsWithAnAuthorityOverride() throws Exception {
        try (GrpcTestClient client = GrpcTestClient.tls("127.0.0.1", tls.port(), "localhost")) {
            assertEquals("over tls", client.unary("over tls").text());
            assertEquals("localhost", tls.service().lastCall().authority());
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void serverStreamingSendsEveryMessageInOrder(boolean secure) throws Exception {
        try (GrpcTestClient client = GrpcTestClient.to(origin(secure))) {
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
    void clientStreamingReceivesEveryByte(boolean secure) throws Exception {
        Random random = new Random(7);
        List<byte[]> chunks = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            byte[] chunk = new byte[64 * 1024];
            random.nextBytes(chunk);
            chunks.add(chunk);
        }
        try (GrpcTestClient client = GrpcTestClient.to(origin(secure))) {
            GrpcTestClient.Outcome outcome = client.clientStream(chunks);
            assertTrue(outcome.ok(), outcome.status().toString());
            assertEquals(GrpcTestService.summary(chunks), outcome.text());
            assertTrue(outcome.text().startsWith("16:1048576:"), outcome.text());
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void bidiEchoesEachMessageAsItArrives(boolean secure) throws Exception {
        List<String> messages = List.of("one", "two", "three", "x".repeat(100_000));
        try (GrpcTestClient client = GrpcTestClient.to(origin(secure))) {
            GrpcTestClient.Outcome outcome = client.bidi(messages);
            assertTrue(outcome.ok(), outcome.status().toString());
            assertEquals(messages.size(), outcome.messages().size());
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void deadlineExpiresAndTheServerSeesTheCancel(boolean secure) throws Exception {
        GrpcOrigin origin = origin(secure);
        CompletableFuture<String> cancelled = origin.service().resetCancelled();
        try (GrpcTestClient client = GrpcTestClient.to(origin)) {
            GrpcTestClient.Outcome outcome = client.deadline(Duration.ofMillis(300)).slow(Duration.ofSeconds(60));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, outcome.status().getCode(), outcome.status().toString());
            assertEquals(GrpcTestService.SLOW.getFullMethodName(), awaitCancel(cancelled));
        }
    }

    @Test
    void slowAnswersWithinItsDeadline() throws Exception {
        try (GrpcTestClient client = GrpcTestClient.to(plain)) {
            GrpcTestClient.Outcome outcome = client.deadline(LIMIT).slow(Duration.ofMillis(20));
            assertTrue(outcome.ok(), outcome.status().toString());
            assertEquals("20", outcome.text());
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void clientCancelReachesTheServer(boolean secure) throws Exception {
        GrpcOrigin origin = origin(secure);
        CompletableFuture<String> cancelled = origin.service().resetCancelled();
        try (GrpcTestClient client = GrpcTestClient.to(origin)) {
            GrpcTestClient.Call call = client.open(GrpcTestService.BIDI).send("ping");
            // The echo proves the server has the call before it is cancelled.
            assertEquals("ping", call.nextText(LIMIT));
            call.cancel("test cancels");
            assertEquals(Status.Code.CANCELLED, call.await().status().getCode());
            assertEquals(GrpcTestService.BIDI.getFullMethodName(), awaitCancel(cancelled));
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void errorStatusArrivesTrailersOnly(boolean secure) throws Exception {
        try (GrpcTestClient client = GrpcTestClient.to(origin(secure))) {
            GrpcTestClient.Outcome named = client.unary("fail:NOT_FOUND:no such thing: really");
            assertEquals(Status.Code.NOT_FOUND, named.status().getCode());
            assertEquals("no such thing: really", named.status().getDescription());
            assertTrue(named.trailersOnly(), "headers before the trailers: " + named.headers());
            assertTrue(named.messages().isEmpty());

            GrpcTestClient.Outcome numbered = client.unary("fail:7:denied");
            assertEquals(Status.Code.PERMISSION_DENIED, numbered.status().getCode());
            assertEquals("denied", numbered.status().getDescription());
            assertTrue(numbered.trailersOnly());
        }
    }

    @Test
    void bidiFailureAfterMessagesHasHeadersThenTrailers() throws Exception {
        try (GrpcTestClient client = GrpcTestClient.to(plain)) {
            GrpcTestClient.Call call = client.open(GrpcTestService.BIDI).send("first");
            assertEquals("first", call.nextText(LIMIT));
            call.send("fail:RESOURCE_EXHAUSTED:too much");
            GrpcTestClient.Outcome outcome = call.await();
            assertEquals(Status.Code.RESOURCE_EXHAUSTED, outcome.status().getCode());
            assertEquals("too much", outcome.status().getDescription());
            assertNotNull(outcome.headers());
            assertEquals(1, outcome.messages().size());
        }
    }
}
