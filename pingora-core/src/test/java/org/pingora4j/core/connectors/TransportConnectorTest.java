package org.pingora4j.core.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.ErrorSource;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.testing.H2TestOrigin;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;

final class TransportConnectorTest {

    private static final InetAddress LOOPBACK = loopback();

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static InetAddress loopback() {
        try {
            return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private EventLoop loop() {
        return group.next();
    }

    private static TransportConnector connector() {
        return new TransportConnector(new ConnectorOptions(128));
    }

    private static Established await(CompletableFuture<Established> future) throws Exception {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    private static PingoraException awaitFailure(CompletableFuture<Established> future) throws Exception {
        try {
            Established established = future.get(10, TimeUnit.SECONDS);
            established.channel().close().syncUninterruptibly();
            return fail("expected a failure, but connected to " + established.socket().peerAddress());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof PingoraException p) {
                return p;
            }
            throw new AssertionError("expected a PingoraException", e.getCause());
        }
    }

    private static void close(Established established) {
        established.channel().close().syncUninterruptibly();
    }

    /** A raw TCP server on 127.0.0.1 whose accepted sockets are given to a handler on a plain thread. */
    private static final class RawServer implements AutoCloseable {
        final ServerSocket server;
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        final Thread acceptor;

        RawServer(int backlog, Consumer<Socket> handler) throws IOException {
            server = new ServerSocket(0, backlog, LOOPBACK);
            if (handler == null) {
                acceptor = null;
                return;
            }
            acceptor = new Thread(() -> {
                while (true) {
                    Socket socket;
                    try {
                        socket = server.accept();
                    } catch (IOException closed) {
                        return;
                    }
                    accepted.add(socket);
                    handler.accept(socket);
                }
            }, "raw-server-acceptor");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        /** A server that accepts and never writes. */
        static RawServer silent() throws IOException {
            return new RawServer(50, socket -> { });
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            if (acceptor != null) {
                try {
                    acceptor.join(TimeUnit.SECONDS.toMillis(10));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while joining the acceptor", e);
                }
                assertFalse(acceptor.isAlive(), "acceptor thread ended");
            }
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    private <T extends AutoCloseable> T closeLater(T resource) {
        toClose.add(resource);
        return resource;
    }

    // ---- failures -----------------------------------------------------------------------------------

    @Test
    void connectionRefused() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, LOOPBACK)) {
            port = closed.getLocalPort();
        }
        HttpPeer peer = new HttpPeer("127.0.0.1:" + port, false, "");
        PingoraException e = awaitFailure(connector().newStream(peer, loop()));
        assertEquals(ErrorType.CONNECT_REFUSED, e.type());
        assertEquals(ErrorSource.UPSTREAM, e.source());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
        assertTrue(e.retry(), "nothing was sent: a refused connect may be tried again, for any method");
    }

    private static final class FailingResolverGroup extends AddressResolverGroup<InetSocketAddress> {
        final List<String> asked = new CopyOnWriteArrayList<>();

        @Override
        protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
            return new InetNameResolver(executor) {
                @Override
                protected void doResolve(String host, Promise<InetAddress> promise) {
                    asked.add(host);
                    promise.setFailure(new UnknownHostException(host + ": the test resolver knows no names"));
                }

                @Override
                protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
                    asked.add(host);
                    promise.setFailure(new UnknownHostException(host + ": the test resolver knows no names"));
                }
            }.asAddressResolver();
        }
    }

    @Test
    void dnsFailure() throws Exception {
        FailingResolverGroup resolver = closeLater(new FailingResolverGroup());
        TransportConnector connector = new TransportConnector(new ConnectorOptions(128), resolver, NioSocketChannel.class);
        HttpPeer peer = new HttpPeer("unknown.example.com:443", true, "unknown.example.com");
        PingoraException e = awaitFailure(connector.newStream(peer, loop()));
        assertEquals(ErrorType.DNS_FAILED, e.type());
        assertTrue(e.getMessage().contains("cannot resolve unknown.example.com"), e.getMessage());
        assertTrue(e.getCause() instanceof UnknownHostException, String.valueOf(e.getCause()));
        assertEquals(List.of("unknown.example.com"), resolver.asked);
    }

    @Test
    void alpnOffersWhatThePeerAsksFor() throws Exception {
        try (H2TestOrigin origin = H2TestOrigin.tls(H2TestOrigin.Offer.H2_AND_H1, 10)) {
            for (Alpn alpn : Alpn.values()) {
                HttpPeer peer = new HttpPeer(origin.address(), true, "localhost")
                        .withOptions(o -> o.alpn(alpn).ca(CaCertificates.fromPemFile(TestCerts.file("ca.crt"))));
                Established established = await(connector().newStream(peer, loop()));
                try {
                    assertEquals(alpn == Alpn.H1 ? "http/1.1" : "h2", established.ssl().applicationProtocol(), alpn.name());
                } finally {
                    close(established);
                }
                Established h1Offer = await(connector().newStream(peer, loop(), Alpn.H1));
                try {
                    assertEquals("http/1.1", h1Offer.ssl().applicationProtocol(), "an explicit offer wins over the peer's");
                } finally {
                    close(h1Offer);
                }
            }
        }
    }

    @Test
    void tlsHandshakeTimeout() throws Exception {
        RawServer silent = closeLater(RawServer.silent());
        HttpPeer peer = new HttpPeer("127.0.0.1:" + silent.port(), true, "localhost")
                .withOptions(o -> o.connectionTimeout(Duration.ofMillis(200)));
        long start = System.nanoTime();
        PingoraException e = awaitFailure(connector().newStream(peer, loop()));
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(ErrorType.TLS_HANDSHAKE_TIMEDOUT, e.type(), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + silent.port()), e.getMessage());
        assertTrue(elapsedMillis >= 200 && elapsedMillis < 5000, "timed out after " + elapsedMillis + " ms");
    }

    @Test
    void totalConnectionTimeout() throws Exception {
        RawServer silent = closeLater(RawServer.silent());
        HttpPeer peer = new HttpPeer("127.0.0.1:" + silent.port(), true, "localhost")
                .withOptions(o -> o.connectionTimeout(Duration.ofSeconds(5)).totalConnectionTimeout(Duration.ofMillis(200)));
        long start = System.nanoTime();
        PingoraException e = awaitFailure(connector().newStream(peer, loop()));
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(ErrorType.CONNECT_TIMEDOUT, e.type(), e.getMessage());
        assertTrue(e.getMessage().contains("total-connection timeout"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + silent.port()), e.getMessage());
        assertTrue(elapsedMillis >= 200 && elapsedMillis < 5000, "timed out after " + elapsedMillis + " ms");
    }

    @Test
    void tcpConnectTimeout() throws Exception {
        // A listener that never accepts, its accept queue filled: Linux drops further SYNs.
        RawServer full = closeLater(new RawServer(1, null));
        for (int i = 0; i < 4; i++) {
            Socket filler = closeLater(new Socket());
            try {
                filler.connect(new InetSocketAddress(LOOPBACK, full.port()), 200);
            } catch (IOException ignored) {
                // the queue is already full
            }
        }
        HttpPeer peer = new HttpPeer("127.0.0.1:" + full.port(), false, "")
                .withOptions(o -> o.connectionTimeout(Duration.ofMillis(200)));
        PingoraException e = awaitFailure(connector().newStream(peer, loop()));
        assertEquals(ErrorType.CONNECT_TIMEDOUT, e.type(), e.getMessage());
        assertTrue(e.getMessage().contains("TCP connect timed out"), e.getMessage());
        assertTrue(e.getMessage().contains("127.0.0.1:" + full.port()), e.getMessage());
    }

    @Test
    void serverClosingDuringTheHandshakeIsAHandshakeFailure() throws Exception {
        RawServer closing = closeLater(new RawServer(50, socket -> {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closed anyway
            }
        }));
        HttpPeer peer = new HttpPeer("127.0.0.1:" + closing.port(), true, "localhost")
                .withOptions(o -> o.connectionTimeout(Duration.ofSeconds(5)));
        PingoraException e = awaitFailure(connector().newStream(peer, loop()));
        assertEquals(ErrorType.TLS_HANDSHAKE_FAILURE, e.type(), e.getMessage());
    }

    @Test
    void plainTextAnswerToTlsIsAHandshakeFailure() throws Exception {
        RawServer http = closeLater(new RawServer(50, socket -> {
            try {
                OutputStream out = socket.getOutputStream();
                out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException ignored) {
                // the client went away
            }
        }));
        HttpPeer peer = new HttpPeer("127.0.0.1:" + http.port(), true, "localhost")
                .withOptions(o -> o.connectionTimeout(Duration.ofSeconds(5)));
        PingoraException e = awaitFailure(connector().newStream(peer, loop()));
        assertEquals(ErrorType.TLS_HANDSHAKE_FAILURE, e.type(), e.getMessage());
    }

    // ---- successes ----------------------------------------------------------------------------------

    @Test
    void resolverOverridesReachALoopbackOrigin() throws Exception {
        TestOrigin origin = closeLater(TestOrigin.plain());
        AddressResolverGroup<InetSocketAddress> resolver =
                closeLater(PeerResolver.withOverrides(Map.of("api.example.com", InetAddress.getByName("127.0.0.1"))));
        TransportConnector connector = new TransportConnector(new ConnectorOptions(128), resolver, NioSocketChannel.class);
        HttpPeer peer = new HttpPeer("api.example.com:" + origin.port(), false, "");
        Established established = await(connector.newStream(peer, loop()));
        try {
            assertTrue(established.channel().isActive());
            assertEquals(new InetSocketAddress(LOOPBACK, origin.port()), established.socket().peerAddress());
            assertNull(established.ssl());
            assertEquals(Duration.ZERO, established.timing().tlsHandshake());
            assertFalse(established.channel().config().isAutoRead());
        } finally {
            close(established);
        }
    }

    @Test
    void resolverOverridesAreCaseInsensitiveAndServeTls() throws Exception {
        TestOrigin origin = closeLater(TestOrigin.tls("server"));
        AddressResolverGroup<InetSocketAddress> resolver =
                closeLater(PeerResolver.withOverrides(Map.of("api.example.com", InetAddress.getByName("127.0.0.1"))));
        TransportConnector connector = new TransportConnector(new ConnectorOptions(128), resolver, NioSocketChannel.class);
        HttpPeer peer = new HttpPeer("API.example.com:" + origin.port(), true, "api.example.com")
                .withOptions(o -> o.ca(CaCertificates.fromPemFile(TestCerts.file("ca.crt"))));
        Established established = await(connector.newStream(peer, loop()));
        try {
            assertNotNull(established.ssl());
            assertEquals("Conscrypt", established.ssl().provider());
            assertEquals("CN=localhost", established.ssl().peerSubject());
            assertNotNull(established.channel().pipeline().get(HandlerNames.TLS));
        } finally {
            close(established);
        }
    }

    @Test
    void bindsToThePeersLocalAddress() throws Exception {
        TestOrigin origin = closeLater(TestOrigin.plain());
        HttpPeer peer = new HttpPeer(origin.address(), false, "").withOptions(o -> o.bindTo(LOOPBACK));
        Established established = await(connector().newStream(peer, loop()));
        try {
            InetSocketAddress local = established.socket().localAddress();
            assertEquals(LOOPBACK, local.getAddress());
            assertTrue(local.getPort() > 0);
            assertEquals(local, established.channel().localAddress());
        } finally {
            close(established);
        }
    }

    @Test
    void bindsToTheConnectorsV4Address() throws Exception {
        TestOrigin origin = closeLater(TestOrigin.plain());
        TransportConnector connector = new TransportConnector(ConnectorOptions.builder().keepalivePoolSize(128)
                .bindToV4(List.of(LOOPBACK)).build());
        Established established = await(connector.newStream(new HttpPeer(origin.address(), false, ""), loop()));
        try {
            assertEquals(LOOPBACK, established.socket().localAddress().getAddress());
        } finally {
            close(established);
        }
    }

    @Test
    void newStreamMayBeCalledOnTheEventLoop() throws Exception {
        TestOrigin origin = closeLater(TestOrigin.plain());
        TransportConnector connector = connector();
        EventLoop loop = loop();
        HttpPeer peer = new HttpPeer(origin.address(), false, "");
        CompletableFuture<Established> future = loop.submit(() -> connector.newStream(peer, loop)).get(10, TimeUnit.SECONDS);
        Established established = await(future);
        try {
            assertTrue(established.channel().eventLoop() == loop, "the channel lives on the given loop");
            assertTrue(established.timing().tcpConnect().toNanos() > 0);
        } finally {
            close(established);
        }
    }

    @Test
    void tlsProviderIsConscrypt() {
        assertEquals("Conscrypt", connector().tlsProvider());
    }
}
