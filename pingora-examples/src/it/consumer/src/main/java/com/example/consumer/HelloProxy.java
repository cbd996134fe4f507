package com.example.consumer;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.protocols.http.ResponseHeader;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.Session;

/** A user's own proxy: every request goes to one plain-HTTP origin, and the response says so. */
public final class HelloProxy implements ProxyHttp<Void> {

    private final String origin;

    /** Proxies to {@code origin}, a {@code host:port}. */
    public HelloProxy(String origin) {
        this.origin = origin;
    }

    @Override
    public Void newCtx() {
        return null;
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        return CompletableFuture.completedStage(new HttpPeer(origin, false, ""));
    }

    @Override
    public CompletionStage<Void> upstreamRequestFilter(Session session, RequestHeader upstreamRequest, Void ctx) {
        upstreamRequest.insertHeader("Host", origin);
        return DONE;
    }

    @Override
    public CompletionStage<Void> responseFilter(Session session, ResponseHeader response, Void ctx) {
        response.insertHeader("X-Proxied-By", "hello-proxy");
        return DONE;
    }
}
