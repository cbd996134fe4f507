package org.pingora4j.proxy.faults;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.Session;

/**
 * A plain proxy to the scenario's origin that records how each request ended. Paths under
 * {@value #REFUSED_PREFIX} go to a port nothing listens on instead.
 */
final class FaultProxy implements ProxyHttp<Void> {

    static final String REFUSED_PREFIX = "/refused";

    private final int port;
    private final int closedPort;
    private final Duration readTimeout;
    /** One entry per finished request: "ok" or the error type, in order. */
    final List<String> outcomes = new CopyOnWriteArrayList<>();

    FaultProxy(int port, int closedPort, Duration readTimeout) {
        this.port = port;
        this.closedPort = closedPort;
        this.readTimeout = readTimeout;
    }

    @Override
    public Void newCtx() {
        return null;
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        int to = session.reqHeader().uri().startsWith(REFUSED_PREFIX) ? closedPort : port;
        return CompletableFuture.completedStage(new HttpPeer("127.0.0.1:" + to, false, "origin")
                .withOptions(o -> o.connectionTimeout(Duration.ofSeconds(2))
                        .totalConnectionTimeout(Duration.ofSeconds(5))
                        .readTimeout(readTimeout)
                        .idleTimeout(Duration.ofSeconds(60))));
    }

    @Override
    public void logging(Session session, PingoraException error, Void ctx) {
        outcomes.add(error == null ? "ok" : error.type() + "/" + error.source());
    }
}
