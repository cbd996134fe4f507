package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pingora4j.proxy.grpc.GrpcOrigin;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The raw HTTP/2 script ({@link RawH2Script}) against nghttpd directly, no proxy: a GET over h2c and
 * TLS, a few hostile scenarios whose outcome nghttpd (nghttp2 1.52) fixes, a hand-made gRPC call to
 * {@link GrpcOrigin} (trailers, or trailers-only on the wire), and every scenario once with a small
 * count, to show that each runs and reports.
 */
final class RawH2ScriptSelfTest {

    @TempDir
    static Path dir;
    static NghttpdOrigin h2c;
    static NghttpdOrigin tls;

    @BeforeAll
    static void start() throws Exception {
        h2c = NghttpdOrigin.startH2c(Files.createDirectories(dir.resolve("h2c")));
        tls = NghttpdOrigin.startTls(Files.createDirectories(dir.resolve("tls")));
    }

    @AfterAll
    static void stop() {
        if (h2c != null) {
            h2c.close();
        }
        if (tls != null) {
            tls.close();
        }
    }

    @Test
    void getOverH2c() throws Exception {
        RawH2Script.Result result = RawH2Script.run("get", "127.0.0.1", h2c.port());
        assertEquals(200, result.status(1), result.toString());
        assertEquals(2048, result.bodyLength(1));
        assertNull(result.goaway());
        assertFalse(result.closed());
    }

    @Test
    void getOverTlsOfTheBigFile() throws Exception {
        RawH2Script.Result result = RawH2Script.run("get", "127.0.0.1", tls.port(), "--tls", "--path", "/big.txt");
        assertEquals(200, result.status(1), result.toString());
        assertEquals(Bodies.ONE_MIB, result.bodyLength(1));
    }

    @Test
    void malformedRequestIsResetAndTheConnectionCarriesOn() throws Exception {
        RawH2Script.Result result = RawH2Script.run("uppercase-header", "127.0.0.1", h2c.port());
        assertEquals("PROTOCOL_ERROR", result.rst(1), result.toString());
        assertEquals(200, result.status(3));
    }

    @Test
    void floodsAreCountedAndRapidResetEndsWithAGet() throws Exception {
        assertEquals(100, RawH2Script.run("ping-flood", "127.0.0.1", h2c.port(), "--count", "100").pingAcks());
        RawH2Script.Result reset = RawH2Script.run("rapid-reset", "127.0.0.1", h2c.port(), "--count", "50");
        assertEquals(200, reset.status(101), reset.toString());
        assertEquals("STREAM_CLOSED", RawH2Script.run("stream-reuse", "127.0.0.1", h2c.port()).goaway());
    }

    @Test
    void grpcAnswersOnTheWireWithTrailersOrTrailersOnly() throws Exception {
        try (GrpcOrigin grpc = GrpcOrigin.plaintext()) {
            RawH2Script.Result ok = RawH2Script.run("grpc-unary", "127.0.0.1", grpc.port(), "--message", "hello");
            assertEquals(200, ok.status(1), ok.toString());
            assertEquals(5 + 5, ok.bodyLength(1));
            assertNull(ok.header(1, "grpc-status"));
            assertEquals("0", ok.trailer(1, "grpc-status"));

            RawH2Script.Result failed = RawH2Script.run("grpc-unary", "127.0.0.1", grpc.port(),
                    "--message", "fail:NOT_FOUND:gone");
            assertEquals(200, failed.status(1), failed.toString());
            assertEquals("5", failed.header(1, "grpc-status"));
            assertEquals("gone", failed.header(1, "grpc-message"));
            assertFalse(failed.hasTrailers(1), "trailers-only: grpc-status in the one and only block");
            assertEquals(0, failed.bodyLength(1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"grpc-unary", "multi-get", "rapid-reset", "continuation-flood", "settings-flood", "ping-flood",
        "empty-data-flood", "zero-window", "stream-reuse", "stream-regression", "duplicate-path", "unknown-pseudo",
        "pseudo-after-regular", "missing-method", "uppercase-header", "connection-header", "te-not-trailers",
        "cr-in-value", "lf-in-value", "crlf-in-value", "nul-in-value", "content-length-short",
        "content-length-long", "transfer-encoding"})
    void everyScenarioRunsAndReports(String scenario) throws Exception {
        // --timeout bounds the waits of the scenarios that watch for something that should not come.
        RawH2Script.Result result = RawH2Script.run(scenario, "127.0.0.1", h2c.port(), "--count", "20",
                "--timeout", "0.5");
        assertEquals(scenario, result.json().get("scenario"), result.toString());
    }
}
