package org.pingora4j.proxy.hostile;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.Session;

/**
 * The plainest proxy: everything to one origin, the client's Host kept. A request for
 * {@code /forbidden...} is answered by {@code requestFilter} itself with 403. Every upstream
 * request carries the client connection's port in {@code X-Client-Port}, so a test can tell which
 * client connection an origin request came from.
 */
final class HostileProxy implements ProxyHttp<Void> {

    static final String CLIENT_PORT = "X-Client-Port";

    private final String origin;
    private final Duration readTimeout;

    HostileProxy(String origin, Duration readTimeout) {
        this.origin = origin;
        this.readTimeout = readTimeout;
    }

    @Override
    public Void newCtx() {
        return null;
    }

    @Override
    public CompletionStage<Boolean> requestFilter(Session session, Void ctx) {
        if (session.reqHeader().uri().startsWith("/forbidden")) {
            return session.respondError(403).thenApply(v -> true);
        }
        return CONTINUE;
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        return CompletableFuture.completedStage(new HttpPeer(origin, false, "")
                .withOptions(o -> o.readTimeout(readTimeout).connectionTimeout(Duration.ofSeconds(5))));
    }

    @Override
    public CompletionStage<Void> upstreamRequestFilter(Session session, RequestHeader upstreamRequest, Void ctx) {
        upstreamRequest.insertHeader(CLIENT_PORT, session.clientAddr().getPort());
        return DONE;
    }
}
