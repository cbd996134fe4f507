package org.pingora4j.proxy;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.PeerOptions;

/** A proxy to one upstream whose peer options a test sets (ALPN, stream cap, timeouts); it records every request's outcome. */
final class H2UpstreamProxy implements ProxyHttp<Void> {

    /** One finished request, as its logging phase saw it. */
    record Outcome(String path, String protocol, boolean reused, PingoraException error) {
    }

    private final String upstream;
    private final boolean tls;
    private final UnaryOperator<PeerOptions.Builder> options;
    final CopyOnWriteArrayList<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final Semaphore logged = new Semaphore(0);
    volatile boolean retryPosts;

    H2UpstreamProxy(String upstream, boolean tls, UnaryOperator<PeerOptions.Builder> options) {
        this.upstream = upstream;
        this.tls = tls;
        this.options = options;
    }

    @Override
    public Void newCtx() {
        return null;
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        HttpPeer peer = new HttpPeer(upstream, tls, tls ? "api.example.com" : "")
                .withOptions(o -> options.apply(o.connectionTimeout(Duration.ofSeconds(5))));
        return CompletableFuture.completedStage(peer);
    }

    @Override
    public void logging(Session session, PingoraException error, Void ctx) {
        outcomes.add(new Outcome(session.reqHeader().uri(), session.upstreamProtocol(),
                session.upstreamDigest() != null && session.upstreamDigest().reused(), error));
        logged.release();
    }

    void awaitLogged(int requests) throws InterruptedException {
        if (!logged.tryAcquire(requests, 20, TimeUnit.SECONDS)) {
            throw new AssertionError("requests not finished within 20 s: " + outcomes.size() + " logged");
        }
    }
}
