package org.pingora4j.examples;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;

/**
 * Round-robin across several plain-HTTP origins, failing over to the next one when a connect fails.
 * Mirrors Pingora's {@code pingora-proxy/examples/load_balancer.rs} (its {@code LoadBalancer} with
 * {@code RoundRobin} selection) and the retry of its failover guide, without health checks.
 */
// tag::balancer[]
public class LoadBalancer implements ProxyHttp<Integer> {

    private final List<HttpPeer> origins;
    private final AtomicInteger nextTurn = new AtomicInteger();

    /** Balances across {@code originAddresses}, each a {@code host:port} spoken to in plain HTTP. */
    public LoadBalancer(List<String> originAddresses) {
        this(originAddresses.stream().map(HttpPeer::plain).toArray(HttpPeer[]::new));
    }

    /** Balances across {@code origins} (TLS ones too: {@code HttpPeer.tls(address, sni)}). */
    public LoadBalancer(HttpPeer... origins) {
        if (origins.length == 0) {
            throw new IllegalArgumentException("origins: none (expected: at least one)");
        }
        this.origins = List.of(origins);
    }

    /** The context is the request's turn: which origin it tries first. */
    @Override
    public Integer newCtx() {
        return Math.floorMod(nextTurn.getAndIncrement(), origins.size());
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Integer turn) {
        // Each retry moves on to the next origin in the ring
        int index = (turn + session.retries()) % origins.size();
        return CompletableFuture.completedStage(origins.get(index));
    }

    @Override
    public PingoraException failToConnect(Session session, HttpPeer peer, Integer turn, PingoraException e) {
        // Nothing reached the origin, so any request may go elsewhere; try each origin once
        return e.setRetry(session.retries() < origins.size() - 1);
    }
    // end::balancer[]

    /** Listens on 127.0.0.1:6188 and balances across 127.0.0.1:8001 to 8003 until SIGTERM or SIGINT. */
    public static void main(String[] args) {
        // tag::main[]
        Server server = new Server();
        server.bootstrap();

        LoadBalancer balancer = new LoadBalancer(List.of("127.0.0.1:8001", "127.0.0.1:8002", "127.0.0.1:8003"));
        ProxyService<Integer> proxy = ProxyService.httpProxyService(server.conf(), balancer);
        proxy.addTcp("127.0.0.1:6188");
        server.addService(proxy);

        System.out.println("Load balancer running on 127.0.0.1:6188");
        server.runForever();
        // end::main[]
    }
// tag::balancer[]
}
// end::balancer[]
