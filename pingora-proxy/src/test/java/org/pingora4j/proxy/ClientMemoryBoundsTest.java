package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * Issue #14: what a client makes the proxy hold is bounded as it arrives, per connection and for
 * the whole service. Header and trailer lines are counted as each line is read, not when the head
 * is complete; past the service's budget of buffered client data the connections holding the most
 * are shed (503) while the others are served.
 */
final class ClientMemoryBoundsTest {

    /** Sends {@code bytes}, then returns what the proxy answers within 5 s ("" if nothing). */
    private static String sendAndRead(int port, String bytes) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().flush();
            return readFor(socket, 5000);
        }
    }

    private static String readFor(Socket socket, int millis) throws IOException {
        socket.setSoTimeout(millis);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        try {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                received.write(buffer, 0, n);
            }
        } catch (SocketTimeoutException e) {
            // what came within the time is the answer
        } catch (IOException reset) {
            // closed with a reset after its answer
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    private static String lines(String line, int count) {
        return line.repeat(count);
    }

    @Test
    void anUnfinishedHeadOfTooManyLinesIs431AtOnceNotWhenItCompletes() throws Exception {
        try (TestOrigin origin = TestOrigin.plain();
             ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()))) {
            origin.responder(TestOrigin.HELLO);
            // 300 lines (the limit is 256) and no blank line: the head never completes.
            String answer = sendAndRead(fixture.port(), "GET / HTTP/1.1\r\nHost: x\r\n" + lines("a:\r\n", 300));
            assertTrue(answer.startsWith("HTTP/1.1 431 "), "answered while the head was still open: " + answer);
            assertEquals(0, origin.requests());
            // At the limit the head is fine.
            String fine = sendAndRead(fixture.port(), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + lines("a:\r\n", 254) + "\r\n");
            assertTrue(fine.startsWith("HTTP/1.1 200 "), fine);
        }
    }

    @Test
    void trailersGetTheSameLineLimitAnd400() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestOrigin origin = TestOrigin.plain();
             ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()))) {
            origin.responder(ex -> {
                seen.add(ex.request().uri());
                ex.reply(HttpResponseStatus.OK, "ok");
            });
            String head = "POST /t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n";
            String open = sendAndRead(fixture.port(), head + lines("a: b\r\n", 300));
            assertTrue(open.startsWith("HTTP/1.1 400 "), "refused while the trailers were still open: " + open);
            String complete = sendAndRead(fixture.port(), head + lines("a: b\r\n", 300) + "\r\n");
            assertTrue(complete.startsWith("HTTP/1.1 400 "), complete);
            String fine = sendAndRead(fixture.port(), head.replace("Host: x", "Host: x\r\nConnection: close")
                    + lines("a: b\r\n", 200) + "\r\n");
            assertTrue(fine.startsWith("HTTP/1.1 200 "), fine);
        }
    }

    /** Sends /stall to an origin that accepts and never reads or answers, anything else to a real one. */
    private static final class RoutingProxy implements ProxyHttp<Void> {
        private final String stalled;
        private final String working;

        RoutingProxy(String stalled, String working) {
            this.stalled = stalled;
            this.working = working;
        }

        @Override
        public Void newCtx() {
            return null;
        }

        @Override
        public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
            String to = session.reqHeader().uri().startsWith("/stall") ? stalled : working;
            return CompletableFuture.completedStage(new HttpPeer(to, false, ""));
        }
    }

    @Test
    void pastTheBudgetTheConnectionsHoldingTheMostAreShedWith503AndTheRestAreServed() throws Exception {
        List<Socket> heldByOrigin = new CopyOnWriteArrayList<>();
        List<Socket> attackers = new ArrayList<>();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ServerSocket stall = new ServerSocket();
             TestOrigin origin = TestOrigin.plain()) {
            stall.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        heldByOrigin.add(stall.accept()); // never read, never answered
                    }
                } catch (IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            origin.responder(TestOrigin.HELLO);
            HttpServerOptions options = HttpServerOptions.builder().maxBufferedBytes(1024 * 1024).build();
            ProxyService<Void> service = ProxyService.builder(ServerConf.defaults(),
                            new RoutingProxy("127.0.0.1:" + stall.getLocalPort(), origin.address()))
                    .serverOptions(options).metrics(registry).build();
            try (ProxyFixture fixture = new ProxyFixture(service)) {
                // Each upload is 60 000 bytes, kept whole for a retry while the origin says nothing:
                // 24 of them are about 1.5 MiB, over the 1 MiB budget.
                byte[] body = new byte[60_000];
                for (int i = 0; i < 24; i++) {
                    Socket socket = new Socket("127.0.0.1", fixture.port());
                    attackers.add(socket);
                    socket.getOutputStream().write(("POST /stall/" + i + " HTTP/1.1\r\nHost: x\r\nContent-Length: "
                            + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    socket.getOutputStream().write(body);
                    socket.getOutputStream().flush();
                }
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (service.connectionsShed() == 0 && System.nanoTime() - giveUp < 0) {
                    Thread.onSpinWait();
                    fixture.awaitQuiet();
                }
                assertTrue(service.connectionsShed() > 0, "the budget was reached and connections were shed");
                assertEquals(200, fixture.get("/ok").statusCode(), "a legitimate request is served meanwhile");
                assertTrue(service.bufferedClientBytes() <= options.maxBufferedBytes() + 64 * 1024,
                        "buffered client data stays near its budget: " + service.bufferedClientBytes());

                int answered503 = 0;
                for (Socket socket : attackers) {
                    String answer = readFor(socket, 200);
                    if (answer.startsWith("HTTP/1.1 503 ")) {
                        answered503++;
                        assertTrue(answer.toLowerCase().contains("connection: close"), answer);
                    } else {
                        assertEquals("", answer, "the others wait for the origin");
                    }
                }
                assertEquals(service.connectionsShed(), answered503, "every shed connection was answered 503");
                assertTrue(answered503 < attackers.size() / 2, "only the connections needed were shed: " + answered503);
                assertEquals((double) service.connectionsShed(),
                        registry.get("pingora.proxy.client.shed").functionCounter().count(), "counted in the meters");
                assertTrue(registry.get("pingora.proxy.client.buffered.bytes").gauge().value() > 0);

                for (Socket socket : attackers) {
                    socket.close();
                }
                giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (service.bufferedClientBytes() > 0 && System.nanoTime() - giveUp < 0) {
                    fixture.awaitQuiet();
                }
                assertEquals(0, service.bufferedClientBytes(), "everything held was given back");
                assertEquals(200, fixture.get("/ok").statusCode(), "and the proxy serves on");
            }
        } finally {
            for (Socket socket : attackers) {
                socket.close();
            }
            for (Socket socket : heldByOrigin) {
                socket.close();
            }
        }
    }
}
