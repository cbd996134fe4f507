package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.ManualClock;
import org.pingora4j.core.testing.TestOrigin;

/**
 * The client-side timeouts of issue #8 on a clock the test moves: an idle or trickling head, a
 * stalled upload (408), a client that does not read, and a drain that does not end. Each test
 * moves time in 61 s steps until the proxy acts, so none waits for a real timer.
 */
final class ClientTimeoutsTest {

    private static final Duration STEP = Duration.ofSeconds(61);

    private static ProxyFixture proxy(ProxyHttp<?> logic, ManualClock clock) throws Exception {
        return proxy(logic, clock, HttpServerOptions.defaults());
    }

    private static <C> ProxyFixture proxy(ProxyHttp<C> logic, ManualClock clock, HttpServerOptions options) throws Exception {
        return new ProxyFixture(ProxyService.builder(ServerConf.defaults(), logic).serverOptions(options).clock(clock, clock).build());
    }

    /**
     * Moves the clock a step at a time until the proxy closes the connection, and returns what it
     * sent. Reads with a short socket timeout between steps: the proxy's work after each step
     * happens on its loop, asynchronously.
     */
    private static String advanceUntilClosed(ManualClock clock, Socket socket) throws IOException {
        socket.setSoTimeout(50);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        for (int step = 0; step < 200; step++) {
            clock.advance(STEP);
            try {
                for (int n = in.read(buffer); ; n = in.read(buffer)) {
                    if (n < 0) {
                        return received.toString(StandardCharsets.ISO_8859_1);
                    }
                    received.write(buffer, 0, n);
                }
            } catch (SocketTimeoutException e) {
                // not closed yet: move time on
            } catch (IOException reset) {
                return received.toString(StandardCharsets.ISO_8859_1);
            }
        }
        throw new AssertionError("the proxy never closed the connection; got: " + received);
    }

    private static void send(Socket socket, String bytes) throws IOException {
        socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterTheKeepaliveTimeout() throws Exception {
        ManualClock clock = new ManualClock();
        try (TestOrigin origin = TestOrigin.plain();
             ProxyFixture fixture = proxy(new FilterProxy(origin.address()), clock);
             Socket socket = new Socket("127.0.0.1", fixture.port())) {
            send(socket, "GET /k HTTP/1.1\r\nHost: x\r\n\r\n");
            String response = advanceUntilClosed(clock, socket);
            assertTrue(response.startsWith("HTTP/1.1 200 OK") && response.endsWith("hello"), response);
            assertEquals(1, origin.requests());
        }
    }

    @Test
    void aHeadThatTricklesInIsCutOff() throws Exception {
        ManualClock clock = new ManualClock();
        try (TestOrigin origin = TestOrigin.plain();
             ProxyFixture fixture = proxy(new FilterProxy(origin.address()), clock);
             Socket socket = new Socket("127.0.0.1", fixture.port())) {
            send(socket, "GET /slow HTTP/1.1\r\nHost: x\r\nX-A: ");
            assertEquals("", advanceUntilClosed(clock, socket));
            assertEquals(0, origin.requests());
        }
    }

    @Test
    void aStalledUploadGets408AndTheConnectionCloses() throws Exception {
        ManualClock clock = new ManualClock();
        try (TestOrigin origin = TestOrigin.plain()) {
            FilterProxy logic = new FilterProxy(origin.address());
            try (ProxyFixture fixture = proxy(logic, clock);
                 Socket socket = new Socket("127.0.0.1", fixture.port())) {
                send(socket, "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly part of it");
                String response = advanceUntilClosed(clock, socket);
                assertTrue(response.startsWith("HTTP/1.1 408 "), response);
                assertTrue(response.toLowerCase().contains("connection: close"), response);
                logic.awaitLogged(1);
                assertEquals(0, origin.requests(), "the origin never got a whole request");
                assertEquals(200, fixture.get("/next").statusCode(), "the proxy keeps serving");
            }
        }
    }

    @Test
    void aClientThatDoesNotReadIsDisconnected() throws Exception {
        ManualClock clock = new ManualClock();
        try (StreamingOrigin origin = new StreamingOrigin();
             ProxyFixture fixture = proxy(new FilterProxy(origin.address()), clock);
             Socket socket = new Socket("127.0.0.1", fixture.port())) {
            socket.setReceiveBufferSize(4096);
            send(socket, "GET /?respond=" + (256 * 1024 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            // Never read: the proxy's writes stop making progress once the socket buffers are full.
            // The buffers fill at the kernel's pace: poll (bounded) between steps of the clock.
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (fixture.service.openConnections() > 0 && System.nanoTime() - giveUp < 0) {
                clock.advance(STEP);
                fixture.awaitQuiet();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            assertEquals(0, fixture.service.openConnections(), "the proxy closed the stuck client");
            assertEquals(0, fixture.service.requestsInFlight());
        }
    }

    @Test
    void aClientThatDoesNotReadCannotHoldAGracefulShutdown() throws Exception {
        ManualClock clock = new ManualClock();
        try (StreamingOrigin origin = new StreamingOrigin();
             ProxyFixture fixture = proxy(new FilterProxy(origin.address()), clock);
             Socket socket = new Socket("127.0.0.1", fixture.port())) {
            send(socket, "GET /?respond=" + (256 * 1024 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (fixture.service.requestsInFlight() == 0 && System.nanoTime() - giveUp < 0) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
            fixture.service.stopAccepting();
            java.util.concurrent.CompletableFuture<Void> drained = fixture.service.drained().toCompletableFuture();
            assertTrue(!drained.isDone(), "a request is in flight: the shutdown waits for it");
            giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!drained.isDone() && System.nanoTime() - giveUp < 0) {
                clock.advance(STEP); // minutes of server time, not the 300 s grace period
                fixture.awaitQuiet();
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
            assertTrue(drained.isDone(), "the write timeout ended the stuck request, so the service drained");
        }
    }

    @Test
    void anUnreadBodyThatDoesNotDrainIsCutOff() throws Exception {
        ManualClock clock = new ManualClock();
        try (TestOrigin origin = TestOrigin.plain()) {
            FilterProxy logic = new FilterProxy(origin.address());
            logic.requestFilter = session -> session.respondError(403).thenApply(v -> true);
            try (ProxyFixture fixture = proxy(logic, clock);
                 Socket socket = new Socket("127.0.0.1", fixture.port())) {
                send(socket, "POST /denied HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nsome of the body");
                String response = advanceUntilClosed(clock, socket);
                assertTrue(response.startsWith("HTTP/1.1 403 "), response);
                assertEquals(0, origin.requests());
            }
        }
    }
}
