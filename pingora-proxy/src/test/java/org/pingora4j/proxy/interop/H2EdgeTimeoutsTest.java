package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.testing.H2TestOrigin;
import org.pingora4j.core.testing.ManualClock;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.proxy.Await;

/**
 * The HTTP/2 edge's timeouts and shutdown, on an injected clock: a client that never opens its
 * window is cut off by the write timeout (its stream only), an idle connection is closed after the
 * keep-alive timeout (pingora lacks this, cloudflare/pingora#563), and a graceful shutdown lets the
 * stream in flight finish before the connection goes.
 */
final class H2EdgeTimeoutsTest {

    private static HttpClient h2Client() throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(TestCerts.clientContext()).build();
    }

    @Test
    void aClientThatNeverOpensItsWindowIsCutOffByTheWriteTimeout() throws Exception {
        ManualClock clock = new ManualClock();
        try (H2TestOrigin origin = H2TestOrigin.plain(100);
             H2EdgeProxy proxy = new H2EdgeProxy(origin.address(), false, o -> o.alpn(Alpn.H2),
                     o -> o.writeTimeout(Duration.ofSeconds(10)), clock)) {
            CompletableFuture<RawH2Script.Result> attack = CompletableFuture.supplyAsync(() -> {
                try {
                    return RawH2Script.run("zero-window", "127.0.0.1", proxy.plainPort(), "--path", "/size/1000000",
                            "--timeout", "30");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Await.until("the response is stuck behind the client's zero window", Duration.ofSeconds(20),
                    () -> proxy.service.requestsInFlight() == 1 && origin.paths.contains("/size/1000000"));
            // The write timer is armed when the first body part finds the stream unwritable, which
            // the test cannot see: move the clock a whole timeout at a time until the stream goes.
            for (int i = 0; i < 10 && proxy.service.requestsInFlight() == 1; i++) {
                clock.advance(Duration.ofSeconds(11));
                try {
                    Await.until("the stream is reset", Duration.ofSeconds(2), () -> proxy.service.requestsInFlight() == 0);
                } catch (AssertionError notYet) {
                    // the timer was armed after this advance: the next one fires it
                }
            }
            assertEquals(0, proxy.service.requestsInFlight(), "the write timeout ended the request");
            RawH2Script.Result seen = attack.get();
            assertEquals("CANCEL", seen.rst(1), seen.line());
            assertEquals(0, seen.bodyLength(1), "no body byte without a window: " + seen.line());
            Await.until("logged", Duration.ofSeconds(10), () -> !proxy.outcomes.isEmpty());
            assertEquals(ErrorType.WRITE_TIMEDOUT, proxy.outcomes.get(0).error().type());
            RawH2Script.Result after = RawH2Script.run("get", "127.0.0.1", proxy.plainPort(), "--path", "/size/10");
            assertEquals(200, after.status(1));
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheKeepAliveTimeout() throws Exception {
        ManualClock clock = new ManualClock();
        try (H2TestOrigin origin = H2TestOrigin.plain(100);
             H2EdgeProxy proxy = new H2EdgeProxy(origin.address(), false, o -> o.alpn(Alpn.H2),
                     o -> o.keepaliveTimeout(Duration.ofSeconds(30)), clock)) {
            HttpClient client = h2Client();
            HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("https://localhost:" + proxy.tlsPort() + "/size/5")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(HttpClient.Version.HTTP_2, r.version());
            assertEquals(1, proxy.service.openConnections());
            clock.advance(Duration.ofSeconds(29));
            assertEquals(1, proxy.service.openConnections(), "not before the keep-alive timeout");
            // The wait starts when the connection's last stream closes, which trails the response a
            // little (Netty closes a stream's channel later in the loop): move on a timeout at a time.
            for (int i = 0; i < 5 && proxy.service.openConnections() == 1; i++) {
                clock.advance(Duration.ofSeconds(31));
                try {
                    Await.until("the idle connection closed", Duration.ofSeconds(2), () -> proxy.service.openConnections() == 0);
                } catch (AssertionError notYet) {
                    // armed after this advance: the next one fires it
                }
            }
            assertEquals(0, proxy.service.openConnections(), "the idle connection closed");
        }
    }

    @Test
    void aGracefulShutdownLetsTheStreamInFlightFinish(@TempDir Path dir) throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100);
             H2EdgeProxy proxy = new H2EdgeProxy(origin.address(), false, o -> o.alpn(Alpn.H2), o -> o)) {
            // curl, not the JDK's client: Java 17's fails every stream on a GOAWAY, even those below its last stream id.
            Curl curl = new Curl(dir, "--http2", "--cacert", TestCerts.file("ca.crt").toString());
            CompletableFuture<Curl.Result> held = CompletableFuture.supplyAsync(() -> {
                try {
                    return curl.run("https://localhost:" + proxy.tlsPort() + "/hold");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            Await.until("held at the origin", Duration.ofSeconds(10), () -> origin.heldCount() == 1);
            proxy.service.stopAccepting();
            origin.releaseHeld();
            Curl.Result answered = held.get();
            assertEquals(200, answered.heads().get(answered.heads().size() - 1).status());
            assertEquals("held", new String(answered.body(), java.nio.charset.StandardCharsets.US_ASCII));
            Await.until("the connection closed after its last stream", Duration.ofSeconds(10),
                    () -> proxy.service.openConnections() == 0);
            assertTrue(proxy.outcomes.stream().allMatch(o -> o.error() == null), proxy.outcomes.toString());
        }
    }

    @Test
    void aHardShutdownDoesNotWaitForOpenStreams(@TempDir Path dir) throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.plain(100);
             H2EdgeProxy proxy = new H2EdgeProxy(origin.address(), false, o -> o.alpn(Alpn.H2), o -> o)) {
            Curl curl = new Curl(dir, "--http2", "--cacert", TestCerts.file("ca.crt").toString());
            CompletableFuture<Object> held = CompletableFuture.supplyAsync(() -> {
                try {
                    return curl.run("https://localhost:" + proxy.tlsPort() + "/hold");
                } catch (Exception | AssertionError e) {
                    return e; // cut off by the shutdown, as it must be
                }
            });
            Await.until("held at the origin", Duration.ofSeconds(10), () -> origin.heldCount() == 1);
            CompletableFuture<Void> shutdown = CompletableFuture.runAsync(proxy.service::shutdown);
            // Netty's close of an HTTP/2 connection waits for its streams (up to the drain timeout,
            // 60 s); a hard shutdown must not.
            shutdown.get(10, java.util.concurrent.TimeUnit.SECONDS);
            Await.until("the connection is gone", Duration.ofSeconds(10), () -> proxy.service.openConnections() == 0);
            held.get(20, java.util.concurrent.TimeUnit.SECONDS);
        }
    }
}
