package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.ManualClock;
import org.pingora4j.core.testing.TestOrigin;

/**
 * The client-side timeouts of issue #8 on a clock the test moves: an idle or trickling head, a
 * stalled upload (408), a client that does not read, and a drain that does not end. Each test sets
 * the timeout under test to {@link #T} and every other one to {@link #OTHERS}, starts the wait at a
 * known instant of the clock, and checks the boundary: the connection is still open at T − ε and
 * closed at T + ε ({@link #EPSILON} = 1 s). None waits for a real timer. (The graceful-shutdown
 * test claims less, that a client that does not read cannot hold the drain for the 300 s grace
 * period, and moves the clock a minute at a time.)
 */
final class ClientTimeoutsTest {

    /** The timeout under test (pingora's default for all four). */
    private static final Duration T = Duration.ofSeconds(60);
    private static final Duration EPSILON = Duration.ofSeconds(1);
    /** Every timeout not under test: far enough that it cannot be the one that acted. */
    private static final Duration OTHERS = Duration.ofMinutes(10);
    private static final Duration CAP = Duration.ofSeconds(10);

    private static HttpServerOptions.Builder othersLong() {
        return HttpServerOptions.builder()
                .keepaliveTimeout(OTHERS)
                .bodyReadTimeout(OTHERS)
                .writeTimeout(OTHERS)
                .drainTimeout(OTHERS);
    }

    private static <C> ProxyFixture proxy(ProxyHttp<C> logic, ManualClock clock, HttpServerOptions options) throws Exception {
        return new ProxyFixture(ProxyService.builder(ServerConf.defaults(), logic).serverOptions(options).clock(clock, clock).build());
    }

    /**
     * Lets the proxy act on what happened so far: every task its loops had (a timer that fired, say)
     * ran, and so did what those tasks handed on to the loops (the close that a timeout started).
     */
    private static void settle(ProxyFixture fixture) {
        fixture.awaitQuiet();
        fixture.awaitQuiet();
    }

    /** Moves the proxy's clock by {@code duration} and lets the proxy act on it. */
    private static void advance(ManualClock clock, ProxyFixture fixture, Duration duration) {
        clock.advance(duration);
        settle(fixture);
    }

    /** One client connection to the proxy, and what it received so far. */
    private static final class Client implements AutoCloseable {
        private final ProxyFixture fixture;
        private final Socket socket;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private boolean eof;

        Client(ProxyFixture fixture) throws IOException {
            this(fixture, 0);
        }

        /**
         * Connects (with a receive buffer of {@code receiveBuffer} bytes if positive), then waits
         * until the proxy accepted the connection and ran its start, so that the timers it arms
         * there count from the clock's present.
         */
        Client(ProxyFixture fixture, int receiveBuffer) throws IOException {
            this.fixture = fixture;
            int before = fixture.service.openConnections();
            socket = new Socket();
            if (receiveBuffer > 0) {
                socket.setReceiveBufferSize(receiveBuffer);
            }
            socket.connect(new InetSocketAddress("127.0.0.1", fixture.port()), (int) CAP.toMillis());
            Await.until("the proxy accepted the connection", CAP, () -> fixture.service.openConnections() > before);
            settle(fixture);
        }

        void send(String bytes) throws IOException {
            socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
        }

        String received() {
            return received.toString(StandardCharsets.ISO_8859_1);
        }

        /** Reads for at most {@code millis}; false if that read nothing new (nothing was sent). */
        private boolean readFor(int millis) throws IOException {
            socket.setSoTimeout(millis);
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[8192];
            try {
                int n = in.read(buffer);
                if (n < 0) {
                    eof = true;
                } else {
                    received.write(buffer, 0, n);
                }
                return true;
            } catch (SocketTimeoutException e) {
                return false;
            } catch (IOException reset) {
                eof = true;
                return true;
            }
        }

        /** Reads until what was received satisfies {@code complete}; fails after {@link #CAP} or at a close. */
        String awaitReceived(String what, Predicate<String> complete) throws IOException {
            long deadline = System.nanoTime() + CAP.toNanos();
            while (!complete.test(received())) {
                if (eof || System.nanoTime() - deadline > 0) {
                    throw new AssertionError("did not receive " + what + (eof ? " before the proxy closed" : " within " + CAP)
                            + "; got: " + received());
                }
                readFor(100);
            }
            return received();
        }

        /**
         * Asserts that the proxy still holds the connection (it is still among the proxy's open
         * connections); if {@code read}, also that the client sees no close (reading what came).
         * The proxy acted on the clock before this is called ({@link #settle}): a close it decided on
         * is under way, and the client sees it within the short read.
         */
        void assertOpen(String when, boolean read) throws IOException {
            assertEquals(1, fixture.service.openConnections(), when + ": the proxy closed the connection already");
            if (read) {
                while (!eof && readFor(100)) {
                    // take what came; only a close fails
                }
                if (eof) {
                    throw new AssertionError(when + ": the proxy closed the connection already; got: " + received());
                }
            }
        }

        /**
         * Asserts that the proxy closed the connection; if {@code read}, reads to the close and
         * returns everything the proxy sent. The waits are bounded by {@link #CAP} of real time,
         * during which the clock does not move: whatever closes the connection, it is not a later
         * timer.
         */
        String assertClosed(String when, boolean read) throws IOException {
            Await.until(() -> when + ": the proxy still holds the connection; got: " + received(), CAP,
                    () -> fixture.service.openConnections() == 0);
            return read ? readToEnd(when) : received();
        }

        /**
         * Reads until the proxy ends its side of the connection (a close, or the half-close of a
         * lingering close, which goes on reading what the client sends) and returns everything it
         * sent; bounded by {@link #CAP} of real time, during which the clock does not move.
         */
        String readToEnd(String when) throws IOException {
            long deadline = System.nanoTime() + CAP.toNanos();
            while (!eof) {
                if (System.nanoTime() - deadline > 0) {
                    throw new AssertionError(when + ": the proxy did not end the connection within " + CAP + "; got: "
                            + received());
                }
                readFor(100);
            }
            return received();
        }

        int localPort() {
            return socket.getLocalPort();
        }

        /** Closes the client's side. */
        void hangUp() throws IOException {
            socket.close();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Waits until the proxy finished the requests it was serving (its logging ran, its timers for what follows are armed). */
    private static void awaitRequestsDone(ProxyFixture fixture) {
        Await.until("the proxy finished the request", CAP, () -> fixture.service.requestsInFlight() == 0);
        settle(fixture);
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterTheKeepaliveTimeout() throws Exception {
        ManualClock clock = new ManualClock();
        try (TestOrigin origin = TestOrigin.plain();
             ProxyFixture fixture = proxy(new FilterProxy(origin.address()), clock, othersLong().keepaliveTimeout(T).build());
             Client client = new Client(fixture)) {
            client.send("GET /k HTTP/1.1\r\nHost: x\r\n\r\n");
            String response = client.awaitReceived("the response", r -> r.endsWith("hello"));
            assertTrue(response.startsWith("HTTP/1.1 200 OK"), response);
            awaitRequestsDone(fixture); // idle from here, at the clock's present

            advance(clock, fixture, T.minus(EPSILON));
            client.assertOpen("idle for T - 1 s", true);
            advance(clock, fixture, EPSILON.multipliedBy(2));
            assertEquals(response, client.assertClosed("idle for T + 1 s", true), "nothing after the response");
            assertEquals(1, origin.requests());
        }
    }

    @Test
    void aHeadThatTricklesInIsCutOff() throws Exception {
        ManualClock clock = new ManualClock();
        try (TestOrigin origin = TestOrigin.plain();
             ProxyFixture fixture = proxy(new FilterProxy(origin.address()), clock, othersLong().keepaliveTimeout(T).build());
             Client client = new Client(fixture)) {
            // The wait for a whole head starts when the connection is accepted, and header lines
            // trickling in (one per 15 s of the clock, each read by the proxy) do not extend it.
            client.send("GET /slow HTTP/1.1\r\nHost: x\r\n");
            settle(fixture);
            Duration trickled = Duration.ZERO;
            for (int line = 0; trickled.plus(Duration.ofSeconds(15)).compareTo(T) < 0; line++) {
                advance(clock, fixture, Duration.ofSeconds(15));
                trickled = trickled.plusSeconds(15);
                client.assertOpen("after " + trickled.toSeconds() + " s of trickling", true);
                client.send("X-Slow-" + line + ": y\r\n");
                settle(fixture);
            }
            advance(clock, fixture, T.minus(EPSILON).minus(trickled));
            client.assertOpen("T - 1 s after the connection opened", true);
            client.send("X-Slow-last: y\r\n");
            settle(fixture);
            advance(clock, fixture, EPSILON.multipliedBy(2));
            assertEquals("", client.assertClosed("T + 1 s after the connection opened", true));
            assertEquals(0, origin.requests());
        }
    }

    /** A FilterProxy that counts the request body bytes it forwarded. */
    private static final class CountingProxy extends FilterProxy {
        final AtomicLong bodyBytes = new AtomicLong();

        CountingProxy(String upstream) {
            super(upstream);
        }

        @Override
        public ByteBuf requestBodyFilter(Session session, ByteBuf body, boolean endOfStream, Void ctx) {
            if (body != null) {
                bodyBytes.addAndGet(body.readableBytes());
            }
            return body;
        }
    }

    @Test
    void aStalledUploadGets408AndTheConnectionCloses() throws Exception {
        ManualClock clock = new ManualClock();
        try (TestOrigin origin = TestOrigin.plain()) {
            CountingProxy logic = new CountingProxy(origin.address());
            try (ProxyFixture fixture = proxy(logic, clock, othersLong().bodyReadTimeout(T).build());
                 Client client = new Client(fixture)) {
                String part = "only part of it";
                client.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + part);
                // The proxy waits for more body from when it forwarded the part that came.
                Await.until("the proxy forwarded the part of the body that came", CAP,
                        () -> logic.bodyBytes.get() == part.length());
                settle(fixture);

                advance(clock, fixture, T.minus(EPSILON));
                client.assertOpen("no body bytes for T - 1 s", true);
                assertEquals("", client.received(), "no answer yet");
                advance(clock, fixture, EPSILON.multipliedBy(2));
                // The 408, then the end of the proxy's side (it lingers, reading what may still come).
                String response = client.readToEnd("no body bytes for T + 1 s");
                assertTrue(response.startsWith("HTTP/1.1 408 "), response);
                assertTrue(response.toLowerCase(Locale.ROOT).contains("connection: close"), response);
                client.hangUp();
                Await.until("the proxy let the connection go once the client closed it", CAP,
                        () -> fixture.service.openConnections() == 0);
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
             ProxyFixture fixture = proxy(new FilterProxy(origin.address()), clock, othersLong().writeTimeout(T).build());
             Client client = new Client(fixture, 4096)) {
            client.send("GET /?respond=" + (256 * 1024 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n");
            // Never read: the proxy's writes stop making progress once the socket buffers are full,
            // which happens at the kernel's pace while the clock stands still. From then on nothing
            // the proxy writes leaves: its last progress was at the clock's present.
            long written = awaitWritesStalled(fixture.port(), client.localPort());
            assertTrue(written > 0, "the proxy wrote to the client before it stalled");

            advance(clock, fixture, T.minus(EPSILON));
            client.assertOpen("T - 1 s after the client took its last byte", false);
            advance(clock, fixture, EPSILON.multipliedBy(2));
            client.assertClosed("T + 1 s after the client took its last byte", false);
            Await.until("the request ended with the connection", CAP, () -> fixture.service.requestsInFlight() == 0);
        }
    }

    /** How long the bytes handed to the client's socket must stay the same to count as stalled. */
    private static final Duration STALLED_FOR = Duration.ofMillis(500);

    /**
     * Waits (bounded) until the proxy's writes to the client connection stopped making progress, and
     * returns how many bytes it handed the socket. Those are what waits unread at the client plus
     * what waits in the proxy's send queue (both from /proc/net/tcp), since the client never reads;
     * the count grows while the proxy gets bytes into the socket, and stays put once both buffers are
     * full. This waits for the kernel to fill buffers, not for a timeout: the proxy's clock stands
     * still meanwhile.
     */
    private static long awaitWritesStalled(int proxyPort, int clientPort) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long last = -1;
        long stableSince = System.nanoTime();
        while (true) {
            long now = System.nanoTime();
            long bytes = queuedBytes(proxyPort, clientPort);
            if (bytes != last) {
                last = bytes;
                stableSince = now;
            } else if (bytes > 0 && now - stableSince >= STALLED_FOR.toNanos()) {
                return bytes;
            }
            if (now - deadline > 0) {
                throw new AssertionError("the proxy's writes to the client never stalled; bytes queued: " + bytes);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
    }

    /**
     * The client socket's unread bytes plus the proxy socket's unsent or unacknowledged ones, for one
     * connection (in /proc/net/tcp6 when the JVM's sockets are IPv6 ones carrying IPv4, else in tcp).
     */
    private static long queuedBytes(int proxyPort, int clientPort) {
        long bytes = 0;
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            bytes += queuedBytes(Path.of(table), proxyPort, clientPort);
        }
        return bytes;
    }

    private static long queuedBytes(Path table, int proxyPort, int clientPort) {
        if (!Files.exists(table)) {
            return 0; // no IPv6 here
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(table);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long bytes = 0;
        for (String line : lines.subList(1, lines.size())) {
            // sl local_address rem_address st tx_queue:rx_queue ...; an address is HEX_IP:HEX_PORT
            String[] f = line.trim().split("\\s+");
            int local = Integer.parseInt(f[1].substring(f[1].lastIndexOf(':') + 1), 16);
            int remote = Integer.parseInt(f[2].substring(f[2].lastIndexOf(':') + 1), 16);
            String[] queues = f[4].split(":");
            if (local == proxyPort && remote == clientPort) {
                bytes += Long.parseLong(queues[0], 16); // the proxy's send queue
            } else if (local == clientPort && remote == proxyPort) {
                bytes += Long.parseLong(queues[1], 16); // the client's receive queue
            }
        }
        return bytes;
    }

    @Test
    void aClientThatDoesNotReadCannotHoldAGracefulShutdown() throws Exception {
        ManualClock clock = new ManualClock();
        try (StreamingOrigin origin = new StreamingOrigin();
             ProxyFixture fixture = proxy(new FilterProxy(origin.address()), clock, HttpServerOptions.defaults());
             Socket socket = new Socket("127.0.0.1", fixture.port())) {
            socket.getOutputStream().write(("GET /?respond=" + (256 * 1024 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            Await.until("the request is in flight", CAP, () -> fixture.service.requestsInFlight() > 0);
            fixture.service.stopAccepting();
            java.util.concurrent.CompletableFuture<Void> drained = fixture.service.drained().toCompletableFuture();
            assertTrue(!drained.isDone(), "a request is in flight: the shutdown waits for it");
            // Minutes of server time, not the 300 s grace period: the write timeout ends the request.
            long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!drained.isDone() && System.nanoTime() - giveUp < 0) {
                clock.advance(Duration.ofSeconds(61));
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
            try (ProxyFixture fixture = proxy(logic, clock, othersLong().drainTimeout(T).build());
                 Client client = new Client(fixture)) {
                client.send("POST /denied HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nsome of the body");
                String response = client.awaitReceived("the 403", r -> r.contains("\r\n\r\n"));
                assertTrue(response.startsWith("HTTP/1.1 403 "), response);
                awaitRequestsDone(fixture); // the drain of the unread body starts here

                advance(clock, fixture, T.minus(EPSILON));
                client.assertOpen("draining for T - 1 s", true);
                client.send("more of the body, still not all of it");
                settle(fixture);
                advance(clock, fixture, EPSILON.multipliedBy(2));
                assertEquals(response, client.assertClosed("draining for T + 1 s", true), "nothing after the 403");
                assertEquals(0, origin.requests());
            }
        }
    }
}
