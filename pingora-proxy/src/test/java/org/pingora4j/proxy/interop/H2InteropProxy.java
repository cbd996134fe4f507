package org.pingora4j.proxy.interop;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.pingora4j.core.connectors.http.ConnectorStats;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.core.testing.Bounded;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.PeerOptions;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;

/**
 * A reverse proxy on 127.0.0.1 with its own two event loops, forwarding every request to one origin
 * on loopback with the peer options a test sets (ALPN, stream cap, CA). Its {@code logging} phase
 * records each request's outcome: the protocol that carried it upstream, whether it rode an
 * existing connection, and the error if any.
 */
final class H2InteropProxy implements AutoCloseable {

    /** One finished request, as its logging phase saw it. */
    record Outcome(String uri, String protocol, boolean reused, PingoraException error) {
    }

    private final Transport transport = Transport.best();
    private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, transport.ioHandlerFactory());
    private final CopyOnWriteArrayList<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final Semaphore logged = new Semaphore(0);
    final ProxyService<Void> service;

    /**
     * Starts a proxy to {@code 127.0.0.1:originPort}, over TLS (SNI {@code sni}) if {@code tls}, with
     * the test's {@code options} applied after the timeouts.
     */
    H2InteropProxy(int originPort, boolean tls, String sni, UnaryOperator<PeerOptions.Builder> options) throws Exception {
        ProxyHttp<Void> proxy = new ProxyHttp<>() {
            @Override
            public Void newCtx() {
                return null;
            }

            @Override
            public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
                HttpPeer peer = new HttpPeer("127.0.0.1:" + originPort, tls, tls ? sni : "")
                        .withOptions(o -> options.apply(o.connectionTimeout(Duration.ofSeconds(5))
                                .totalConnectionTimeout(Duration.ofSeconds(10))
                                .readTimeout(Duration.ofSeconds(10))
                                .writeTimeout(Duration.ofSeconds(10))));
                return CompletableFuture.completedStage(peer);
            }

            @Override
            public void logging(Session session, PingoraException error, Void ctx) {
                outcomes.add(new Outcome(session.reqHeader().uri(), session.upstreamProtocol(),
                        session.upstreamDigest() != null && session.upstreamDigest().reused(), error));
                logged.release();
            }
        };
        service = ProxyService.httpProxyService(ServerConf.defaults(), proxy);
        service.addTcp("127.0.0.1:0");
        service.start(new ServiceContext(ServerConf.defaults(), loops, transport));
    }

    int port() {
        return service.boundAddresses().get(0).getPort();
    }

    /** Returns {@code http://127.0.0.1:<proxy port><path>}. */
    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    URI uri(String path) {
        return URI.create(url(path));
    }

    ConnectorStats stats() {
        return service.connector().stats();
    }

    /**
     * Waits until {@code requests} more requests than waited for so far went through the logging
     * phase (which may run just after the client got its response), and returns every outcome so far.
     */
    List<Outcome> awaitLogged(int requests) throws InterruptedException {
        if (!logged.tryAcquire(requests, 30, TimeUnit.SECONDS)) {
            throw new AssertionError("requests not logged within 30 s: " + outcomes.size() + " logged, "
                    + requests + " more awaited; " + outcomes);
        }
        return List.copyOf(outcomes);
    }

    /** Every outcome logged so far. */
    List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    @Override
    public void close() {
        CompletableFuture<Void> listenersClosed = service.stopAccepting().toCompletableFuture();
        service.shutdown();
        try {
            listenersClosed.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the proxy's listeners did not close within 10 s", e);
        }
        Bounded.await(loops.shutdownGracefully(0, 1, TimeUnit.SECONDS), "the proxy's event loops shutting down");
    }
}
