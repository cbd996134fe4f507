package org.pingora4j.examples;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.Session;

/**
 * The chapter's "special handling for different upstreams": requests for an {@code api} host go to
 * {@code api.example.com} with a long idle timeout (120 s), {@code static} hosts to
 * {@code static.example.com} with a short one (30 s), everything else to
 * {@code default.example.com} with the defaults.
 */
public class PerHostPolicyProxy implements ReuseMonitoring<Void> {

    private final int port;
    private final boolean tls;
    private final CaCertificates ca;

    /** Creates the chapter's policy: upstreams on port 443, the system's trust store. */
    public PerHostPolicyProxy() {
        this(443, null);
    }

    /** Creates the policy with upstreams on {@code port}, trusting {@code ca} (null: the system's). */
    public PerHostPolicyProxy(int port, CaCertificates ca) {
        this(port, true, ca);
    }

    /** As {@link #PerHostPolicyProxy(int, CaCertificates)}; {@code tls} false for plain HTTP upstreams. */
    public PerHostPolicyProxy(int port, boolean tls, CaCertificates ca) {
        this.port = port;
        this.tls = tls;
        this.ca = ca;
    }

    @Override
    public Void newCtx() {
        return null;
    }

    // tag::policy[]
    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        String host = session.reqHeader().host() != null ? session.reqHeader().host() : "default.com";

        HttpPeer peer;
        if (host.contains("api")) {
            // API services: longer idle time, connections stay warm between bursts
            peer = peer("api.example.com").withOptions(o -> o.idleTimeout(Duration.ofSeconds(120)));
        } else if (host.contains("static")) {
            // Static resources: shorter idle time
            peer = peer("static.example.com").withOptions(o -> o.idleTimeout(Duration.ofSeconds(30)));
        } else {
            // Default
            peer = peer("default.example.com");
        }
        return CompletableFuture.completedStage(peer);
    }
    // end::policy[]

    private HttpPeer peer(String name) {
        return new HttpPeer(name + ":" + port, tls, tls ? name : "").withOptions(o -> o.ca(ca));
    }
}
