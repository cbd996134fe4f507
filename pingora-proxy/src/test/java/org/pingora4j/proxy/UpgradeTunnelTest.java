package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.ManualClock;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * HTTP/1.1 upgrades through the proxy (issue #18, part 1): the origin's 101 turns both connections
 * into one byte tunnel, with back-pressure, half-close, an idle timeout on an injected clock, and
 * one {@code logging} call at the end with the bytes each way; everything else about an upgrade
 * request (no 101, a 101 nobody asked for, {@code h2c}, a body, a filter that refuses) is an ordinary
 * exchange. The origin is {@link UpgradeOrigin}; the real WebSocket peers are in the interop tests.
 */
final class UpgradeTunnelTest {

    private static final String UPGRADE_HEAD = "GET %s HTTP/1.1\r\nHost: tunnel.test\r\nUpgrade: websocket\r\n"
            + "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

    private UpgradeOrigin origin;
    private ProxyFixture fixture;
    private final TunnelLogic logic = new TunnelLogic();

    /** The proxy's phases: every request to the origin; each finished request's view kept. */
    private final class TunnelLogic implements ProxyHttp<Void> {
        final LinkedBlockingQueue<String> logged = new LinkedBlockingQueue<>();
        volatile boolean refuseUpgrades;

        @Override
        public Void newCtx() {
            return null;
        }

        @Override
        public CompletionStage<Boolean> requestFilter(Session session, Void ctx) {
            if (refuseUpgrades && session.isUpgradeRequest()) {
                return session.respond(403, "no upgrades here");
            }
            return CompletableFuture.completedStage(false);
        }

        @Override
        public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
            return CompletableFuture.completedStage(new HttpPeer(origin.address(), false, ""));
        }

        @Override
        public void logging(Session session, PingoraException error, Void ctx) {
            logged.add("switched=" + session.switchedProtocols() + " upgrade=" + session.isUpgradeRequest()
                    + " from=" + session.requestBodyBytes() + " to=" + session.responseBodyBytes()
                    + " error=" + (error == null ? null : error.type()));
        }

        String nextLogged() throws InterruptedException {
            String line = logged.poll(10, TimeUnit.SECONDS);
            assertNotNull(line, "no logging call within 10 s");
            return line;
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        origin = new UpgradeOrigin();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (fixture != null) {
            fixture.close();
        }
        origin.close();
    }

    private void start(HttpServerOptions options, ManualClock clock) throws Exception {
        ProxyService.Builder<Void> builder = ProxyService.builder(ServerConf.defaults(), logic).serverOptions(options);
        if (clock != null) {
            builder.clock(clock, clock);
        }
        fixture = new ProxyFixture(builder.build());
    }

    private void start() throws Exception {
        start(HttpServerOptions.builder().build(), null);
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket("127.0.0.1", fixture.port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    private static void send(Socket socket, String text) throws IOException {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    private static String head(Socket socket) throws IOException {
        String head = UpgradeOrigin.readHead(socket.getInputStream());
        assertNotNull(head, "the proxy closed before a response head");
        return head;
    }

    private static byte[] readExactly(InputStream in, int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        assertEquals(n, bytes.length, "bytes before the end of input");
        return bytes;
    }

    /** Reads (and drops) what is left until the end of input: true if it came, false if the read timed out. */
    private static boolean closedByPeer(Socket socket) throws IOException {
        try {
            byte[] rest = new byte[8192];
            while (socket.getInputStream().read(rest) >= 0) {
                // what is left of a response body
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }

    @Test
    void a101MakesOneTunnelThatCarriesBytesBothWaysAndIsLoggedOnceWithThem() throws Exception {
        start();
        byte[] payload = new byte[1 << 20];
        new Random(18).nextBytes(payload);
        try (Socket client = connect()) {
            send(client, String.format(UPGRADE_HEAD, "/echo"));
            String head = head(client).toLowerCase(Locale.ROOT);
            assertTrue(head.startsWith("http/1.1 101 "), head);
            assertEquals("websocket", UpgradeOrigin.field(head, "upgrade"));
            assertEquals("upgrade", UpgradeOrigin.field(head, "connection"));
            String upstreamHead = origin.heads.get(0);
            assertEquals("websocket", UpgradeOrigin.field(upstreamHead, "upgrade"), upstreamHead);
            assertEquals("upgrade", UpgradeOrigin.field(upstreamHead, "connection"), upstreamHead);
            assertEquals("dGhlIHNhbXBsZSBub25jZQ==", UpgradeOrigin.field(upstreamHead, "sec-websocket-key"));

            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try {
                    return readExactly(client.getInputStream(), payload.length);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            client.getOutputStream().write(payload);
            client.getOutputStream().flush();
            assertArrayEquals(payload, echoed.get(10, TimeUnit.SECONDS));
            // The client's end of input reaches the origin, whose own end comes back: half-close both ways.
            client.shutdownOutput();
            assertEquals(-1, client.getInputStream().read());
        }
        assertEquals("switched=true upgrade=true from=" + payload.length + " to=" + payload.length + " error=null",
                logic.nextLogged());
        assertNull(logic.logged.poll(), "logging ran once");
        // The upgraded connection was not pooled: the next request needs a connection of its own.
        assertEquals(200, fixture.get("/plain").statusCode());
        assertEquals(2, origin.connections.get());
    }

    @Test
    void bytesTheOriginSendsRightBehindThe101ReachTheClient() throws Exception {
        start();
        try (Socket client = connect()) {
            send(client, String.format(UPGRADE_HEAD, "/early"));
            assertTrue(head(client).startsWith("HTTP/1.1 101 "));
            byte[] early = readExactly(client.getInputStream(), UpgradeOrigin.EARLY.length());
            assertEquals(UpgradeOrigin.EARLY, new String(early, StandardCharsets.ISO_8859_1));
            send(client, "after");
            assertEquals("after", new String(readExactly(client.getInputStream(), 5), StandardCharsets.ISO_8859_1));
        }
        assertTrue(logic.nextLogged().startsWith("switched=true"));
    }

    @Test
    void bytesTheClientSendsBeforeThe101AreTheNewProtocolsNotARequest() throws Exception {
        start();
        try (Socket client = connect()) {
            // Sent with the handshake, before any answer: the proxy must not read it as HTTP.
            String ahead = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
            send(client, String.format(UPGRADE_HEAD, "/echo") + ahead);
            assertTrue(head(client).startsWith("HTTP/1.1 101 "));
            String echoed = new String(readExactly(client.getInputStream(), ahead.length()), StandardCharsets.ISO_8859_1);
            assertEquals(ahead, echoed);
        }
        assertEquals(1, origin.heads.size(), "one request head reached the origin: " + origin.heads);
    }

    @Test
    void a101ToARequestThatDidNotAskToUpgradeIs502() throws Exception {
        start();
        try (Socket client = connect()) {
            send(client, "GET /unasked HTTP/1.1\r\nHost: tunnel.test\r\n\r\n");
            assertTrue(head(client).startsWith("HTTP/1.1 502 "));
        }
        assertTrue(logic.nextLogged().startsWith("switched=false upgrade=false"));
    }

    @Test
    void anOriginThatRefusesTheUpgradeGetsItsAnswerToTheClientAndTheConnectionCloses() throws Exception {
        start();
        try (Socket client = connect()) {
            send(client, String.format(UPGRADE_HEAD, "/refuse"));
            assertTrue(head(client).startsWith("HTTP/1.1 426 "));
            assertTrue(closedByPeer(client), "the client connection closes after a refused upgrade");
        }
        assertTrue(logic.nextLogged().startsWith("switched=false upgrade=true"));
    }

    @Test
    void h2cAndUpgradesWithABodyAreOrdinaryRequestsWithoutTheirUpgradeField() throws Exception {
        start();
        try (Socket client = connect()) {
            send(client, "GET /h2c HTTP/1.1\r\nHost: tunnel.test\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                    + "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n");
            assertTrue(head(client).startsWith("HTTP/1.1 200 "));
            assertEquals("ok", new String(readExactly(client.getInputStream(), 2), StandardCharsets.ISO_8859_1));
            send(client, "POST /body HTTP/1.1\r\nHost: tunnel.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Content-Length: 2\r\n\r\nhi");
            assertTrue(head(client).startsWith("HTTP/1.1 200 "), "the connection served on: neither was an upgrade");
        }
        assertEquals(2, origin.heads.size());
        for (String upstreamHead : origin.heads) {
            assertNull(UpgradeOrigin.field(upstreamHead, "upgrade"), upstreamHead);
            assertNull(UpgradeOrigin.field(upstreamHead, "http2-settings"), upstreamHead);
        }
    }

    @Test
    void aRequestFilterCanRefuseTheUpgrade() throws Exception {
        logic.refuseUpgrades = true;
        start();
        try (Socket client = connect()) {
            send(client, String.format(UPGRADE_HEAD, "/echo"));
            assertTrue(head(client).startsWith("HTTP/1.1 403 "));
            assertTrue(closedByPeer(client));
        }
        assertTrue(origin.heads.isEmpty(), "nothing reached the origin");
    }

    @Test
    void anIdleTunnelClosesAfterTheTunnelIdleTimeoutAndNotBefore() throws Exception {
        ManualClock clock = new ManualClock();
        Duration idle = Duration.ofMinutes(10);
        Duration others = Duration.ofSeconds(30); // shorter than the tunnel's: they must not apply to it
        start(HttpServerOptions.builder().tunnelIdleTimeout(idle).keepaliveTimeout(others).bodyReadTimeout(others)
                .writeTimeout(others).drainTimeout(others).build(), clock);
        try (Socket client = connect()) {
            send(client, String.format(UPGRADE_HEAD, "/echo"));
            assertTrue(head(client).startsWith("HTTP/1.1 101 "));
            advance(clock, Duration.ofMinutes(5));
            send(client, "ping");
            assertEquals("ping", new String(readExactly(client.getInputStream(), 4), StandardCharsets.ISO_8859_1));
            // Idle from the last byte: 10 min after it, not after the upgrade.
            advance(clock, idle.minusSeconds(1));
            client.setSoTimeout(200);
            assertFalse(closedByPeer(client), "closed before the idle timeout");
            client.setSoTimeout(10_000);
            advance(clock, Duration.ofSeconds(2));
            assertTrue(closedByPeer(client), "open after the idle timeout");
        }
        assertEquals("switched=true upgrade=true from=4 to=4 error=READ_TIMEDOUT", logic.nextLogged());
    }

    @Test
    void aClientThatDoesNotReadStopsTheOriginNotTheProxysMemory() throws Exception {
        start();
        origin.floodBytes = 256 * 1024 * 1024;
        try (Socket client = connect()) {
            client.setReceiveBufferSize(64 * 1024);
            send(client, String.format(UPGRADE_HEAD, "/flood"));
            assertTrue(head(client).startsWith("HTTP/1.1 101 "));
            // Back-pressure reached the origin: its write blocks because nobody reads further down.
            // Blocked = inside a write, with the count where the previous look left it.
            long[] lastSeen = {-1};
            Await.until("the origin blocked in a write", Duration.ofSeconds(20), () -> {
                long now = origin.floodWritten.get();
                boolean blocked = origin.floodInWrite() && now == lastSeen[0];
                lastSeen[0] = now;
                return blocked;
            }, () -> origin.floodWritten.get() + " bytes written");
            long written = origin.floodWritten.get();
            // Socket buffers on both hops and the proxy's water marks: a few MiB, not the 256 MiB sent at it.
            assertTrue(written < 32 * 1024 * 1024, "the origin wrote " + written + " bytes into a client that reads none");
        }
        assertTrue(logic.nextLogged().startsWith("switched=true"));
    }

    @Test
    void theOriginGoingAwayEndsTheTunnel() throws Exception {
        start();
        try (Socket client = connect()) {
            send(client, String.format(UPGRADE_HEAD, "/echo"));
            assertTrue(head(client).startsWith("HTTP/1.1 101 "));
            send(client, "x");
            assertEquals('x', client.getInputStream().read());
            origin.sockets.get(0).close();
            assertTrue(closedByPeer(client));
        }
        assertTrue(logic.nextLogged().startsWith("switched=true upgrade=true from=1 to=1"));
    }

    @Test
    void aTunnelOutlivesStopAcceptingAndClosesWhenTheServiceShutsDown() throws Exception {
        start();
        try (Socket client = connect()) {
            send(client, String.format(UPGRADE_HEAD, "/echo"));
            assertTrue(head(client).startsWith("HTTP/1.1 101 "));
            ProxyService<?> service = fixture.service;
            service.stopAccepting().toCompletableFuture().get(10, TimeUnit.SECONDS);
            fixture.awaitQuiet();
            // The grace period: the tunnel goes on, and the service is not drained while it does.
            send(client, "still here");
            assertEquals("still here", new String(readExactly(client.getInputStream(), 10), StandardCharsets.ISO_8859_1));
            assertFalse(service.drained().toCompletableFuture().isDone(), "drained with a tunnel open");
            service.shutdown(); // the grace period is over
            assertTrue(closedByPeer(client), "the tunnel closes at shutdown");
            service.drained().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        assertTrue(logic.nextLogged().startsWith("switched=true upgrade=true from=10 to=10"));
    }

    @Test
    void aTunnelWorksBehindATlsListenerAndTheOriginsEndClosesTheClient() throws Exception {
        ProxyService<Void> service = ProxyService.builder(ServerConf.defaults(), logic).build();
        service.addTls("127.0.0.1:0", TestCerts.file("server.crt").toString(), TestCerts.file("server.key").toString());
        fixture = new ProxyFixture(service, false);
        try (javax.net.ssl.SSLSocket client = (javax.net.ssl.SSLSocket) TestCerts.clientContext().getSocketFactory()
                .createSocket("localhost", fixture.port())) {
            client.setSoTimeout(10_000);
            send(client, String.format(UPGRADE_HEAD, "/echo"));
            assertTrue(head(client).startsWith("HTTP/1.1 101 "));
            byte[] payload = new byte[256 * 1024];
            new Random(7).nextBytes(payload);
            CompletableFuture<byte[]> echoed = CompletableFuture.supplyAsync(() -> {
                try {
                    return readExactly(client.getInputStream(), payload.length);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            client.getOutputStream().write(payload);
            client.getOutputStream().flush();
            assertArrayEquals(payload, echoed.get(10, TimeUnit.SECONDS));
            // The origin ends its side: through TLS there is no half-close, so the client connection closes.
            origin.sockets.get(0).shutdownOutput();
            assertTrue(closedByPeer(client));
        }
        assertEquals("switched=true upgrade=true from=" + (256 * 1024) + " to=" + (256 * 1024) + " error=null",
                logic.nextLogged());
    }

    private void advance(ManualClock clock, Duration by) {
        clock.advance(by);
        fixture.awaitQuiet();
        fixture.awaitQuiet();
    }
}
