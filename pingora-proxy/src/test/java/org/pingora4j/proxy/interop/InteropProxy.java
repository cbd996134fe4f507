package org.pingora4j.proxy.interop;

import org.pingora4j.core.testing.Bounded;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.pingora4j.core.connectors.http.ConnectorStats;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;

/**
 * The plainest reverse proxy, on 127.0.0.1 with its own event loops, forwarding every request to one
 * plain-HTTP origin on loopback. Counts the errors its {@code logging} phase sees, by type, and the
 * retries.
 */
final class InteropProxy implements AutoCloseable {

    private final Transport transport = Transport.best();
    private final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, transport.ioHandlerFactory());
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> retries = new ConcurrentHashMap<>();
    final ProxyService<Void> service;

    InteropProxy(int originPort) throws Exception {
        ProxyHttp<Void> proxy = new ProxyHttp<>() {
            @Override
            public Void newCtx() {
                return null;
            }

            @Override
            public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
                HttpPeer peer = new HttpPeer("127.0.0.1:" + originPort, false, "")
                        .withOptions(o -> o.connectionTimeout(Duration.ofSeconds(5))
                                .totalConnectionTimeout(Duration.ofSeconds(10))
                                .readTimeout(Duration.ofSeconds(10))
                                .writeTimeout(Duration.ofSeconds(10)));
                return CompletableFuture.completedStage(peer);
            }

            @Override
            public void logging(Session session, PingoraException error, Void ctx) {
                if (session.retries() > 0) {
                    retries.computeIfAbsent(session.reqHeader().method().name(), k -> new LongAdder()).add(session.retries());
                }
                if (error != null) {
                    errors.computeIfAbsent(String.valueOf(error.type()), k -> new LongAdder()).increment();
                }
            }
        };
        service = ProxyService.httpProxyService(ServerConf.defaults(), proxy);
        service.addTcp("127.0.0.1:0");
        service.start(new ServiceContext(ServerConf.defaults(), loops, transport));
    }

    int port() {
        return service.boundAddresses().get(0).getPort();
    }

    ConnectorStats stats() {
        return service.connector().stats();
    }

    /** Returns how many times requests were retried so far (on another connection, after theirs failed). */
    long retries() {
        return retries.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Returns how many times requests of {@code method} were retried so far. */
    long retries(String method) {
        LongAdder count = retries.get(method);
        return count == null ? 0 : count.sum();
    }

    /** Returns the errors the logging phase saw so far, by type. */
    Map<String, Long> errors() {
        Map<String, Long> copy = new TreeMap<>();
        errors.forEach((type, count) -> copy.put(type, count.sum()));
        return copy;
    }

    @Override
    public void close() {
        service.stopAccepting();
        service.shutdown();
        Bounded.await(loops.shutdownGracefully(0, 1, TimeUnit.SECONDS), "the interop proxy's event loops shutting down");
    }
}
