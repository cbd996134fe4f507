package org.pingora4j.examples;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.Session;

/**
 * The chapter's "connection idle timeout": a peer ({@code example.com:443}, TLS) whose pooled
 * connections are closed after 30 s without a request.
 */
public class IdleTimeoutProxy implements ProxyHttp<Void> {

    private final String address;
    private final boolean tls;
    private final String sni;
    private final CaCertificates ca;

    /** Creates the chapter's proxy to {@code example.com:443}. */
    public IdleTimeoutProxy() {
        this("example.com:443", null);
    }

    /** Creates the proxy to {@code address} (TLS, SNI {@code example.com}), trusting {@code ca}. */
    public IdleTimeoutProxy(String address, CaCertificates ca) {
        this(address, true, ca);
    }

    /** As {@link #IdleTimeoutProxy(String, CaCertificates)}; {@code tls} false for plain HTTP (no SNI). */
    public IdleTimeoutProxy(String address, boolean tls, CaCertificates ca) {
        this.address = address;
        this.tls = tls;
        this.sni = tls ? "example.com" : "";
        this.ca = ca;
    }

    @Override
    public Void newCtx() {
        return null;
    }

    // tag::idle[]
    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        HttpPeer peer = new HttpPeer(address, tls, sni)
                // Close connections that idled in the pool for 30 seconds
                .withOptions(options -> options.idleTimeout(Duration.ofSeconds(30)).ca(ca));
        return CompletableFuture.completedStage(peer);
    }
    // end::idle[]
}
