package org.pingora4j.proxy.interop;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.core.testing.Bounded;
import org.pingora4j.core.testing.ManualClock;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.PeerOptions;
import org.pingora4j.proxy.HttpServerOptions;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;

/**
 * A proxy with a plain listener (HTTP/1.1 and h2c with prior knowledge) and a TLS listener (ALPN
 * {@code h2, http/1.1}, the test PKI's {@code server.crt}), forwarding to one upstream with the
 * peer options a test gives. Records what each request's logging phase saw.
 */
final class H2EdgeProxy implements AutoCloseable {

    /** One finished request. */
    record Outcome(String path, String clientProtocol, String upstreamProtocol, PingoraException error) {
    }

    private final Transport transport = Transport.best();
    private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, transport.ioHandlerFactory());
    final ProxyService<Void> service;
    final CopyOnWriteArrayList<Outcome> outcomes = new CopyOnWriteArrayList<>();

    H2EdgeProxy(String upstream, boolean upstreamTls, UnaryOperator<PeerOptions.Builder> peerOptions,
                UnaryOperator<HttpServerOptions.Builder> serverOptions) throws Exception {
        this(upstream, upstreamTls, peerOptions, serverOptions, null);
    }

    /** As above, with the client-side timeouts on {@code clock} (tests move it by hand) unless null. */
    H2EdgeProxy(String upstream, boolean upstreamTls, UnaryOperator<PeerOptions.Builder> peerOptions,
                UnaryOperator<HttpServerOptions.Builder> serverOptions, ManualClock clock) throws Exception {
        ProxyHttp<Void> proxy = new ProxyHttp<>() {
            @Override
            public Void newCtx() {
                return null;
            }

            @Override
            public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
                return CompletableFuture.completedStage(new HttpPeer(upstream, upstreamTls, upstreamTls ? "api.example.com" : "")
                        .withOptions(o -> peerOptions.apply(o.connectionTimeout(Duration.ofSeconds(5)))));
            }

            @Override
            public void logging(Session session, PingoraException error, Void ctx) {
                outcomes.add(new Outcome(session.reqHeader().uri(), session.downstreamProtocol(),
                        session.upstreamProtocol(), error));
            }
        };
        ProxyService.Builder<Void> builder = ProxyService.builder(ServerConf.defaults(), proxy)
                .serverOptions(serverOptions.apply(HttpServerOptions.builder().h2c(true)).build());
        if (clock != null) {
            builder.clock(clock, clock);
        }
        service = builder.build();
        service.addTcp("127.0.0.1:0");
        service.addTls("127.0.0.1:0", TestCerts.file("server.crt").toString(), TestCerts.file("server.key").toString());
        service.start(new ServiceContext(ServerConf.defaults(), loops, transport));
    }

    int plainPort() {
        return service.boundAddresses().get(0).getPort();
    }

    int tlsPort() {
        return service.boundAddresses().get(1).getPort();
    }

    @Override
    public void close() {
        service.stopAccepting();
        service.shutdown();
        Bounded.await(loops.shutdownGracefully(0, 1, TimeUnit.SECONDS), "the proxy's event loops shutting down");
    }
}
