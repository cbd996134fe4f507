package org.pingora4j.bench.proxy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.Session;

/**
 * {@code PooledProxy}'s phases without its per-request print and without TLS: a peer built per
 * request with a 60 s pool idle timeout, and the {@code Host} header set upstream.
 */
final class BenchPhases implements ProxyHttp<Void> {

    private final String upstream;
    private final String upstreamHost;

    /** Proxies to {@code upstream} ({@code host:port}), saying {@code Host: upstreamHost}. */
    BenchPhases(String upstream, String upstreamHost) {
        this.upstream = upstream;
        this.upstreamHost = upstreamHost;
    }

    @Override
    public Void newCtx() {
        return null;
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        HttpPeer peer = new HttpPeer(upstream, false, "")
                .withOptions(options -> options.idleTimeout(Duration.ofSeconds(60)));
        return CompletableFuture.completedStage(peer);
    }

    @Override
    public CompletionStage<Void> upstreamRequestFilter(Session session, RequestHeader upstreamRequest, Void ctx) {
        upstreamRequest.insertHeader("Host", upstreamHost);
        return DONE;
    }
}
