package org.pingora4j.examples;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.protocols.http.ResponseHeader;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MyFirstProxy} with an access log: one line per request from the {@code logging} phase,
 * Pingora's place for access logs and metrics. The line goes to the SLF4J logger {@code access},
 * which the examples' {@code logback.xml} sends through an asynchronous appender, so that no event
 * loop waits for a disk or a terminal.
 */
public class AccessLogProxy implements ProxyHttp<Long> {

    // tag::logging[]
    private static final Logger ACCESS_LOG = LoggerFactory.getLogger("access");

    // end::logging[]
    private final HttpPeer origin;

    /** Proxies to {@code originAddress}, a {@code host:port}, logging each request. */
    public AccessLogProxy(String originAddress) {
        this.origin = new HttpPeer(originAddress, false, "");
    }

    // tag::logging[]
    @Override
    public Long newCtx() {
        return System.nanoTime(); // the request's head has just been read
    }

    // end::logging[]
    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Long startNanos) {
        return CompletableFuture.completedStage(origin);
    }

    // tag::logging[]
    @Override
    public void logging(Session session, PingoraException error, Long startNanos) {
        ResponseHeader response = session.responseHeader(); // null if nothing was sent
        Digest upstream = session.upstreamDigest(); // null if no connection was obtained
        ACCESS_LOG.info("{} {} {} client={} peer={} reused={} duration_ms={} error={}",
                session.reqHeader().method(), session.reqHeader().uri(),
                response != null ? response.statusCode() : 0,
                address(session.clientAddr()),
                upstream != null ? address(upstream.socket().peerAddress()) : "-",
                upstream != null && upstream.reused(),
                (System.nanoTime() - startNanos) / 1_000_000,
                error != null ? error.type() : "-");
    }

    private static String address(InetSocketAddress address) {
        return address == null ? "-" : address.getHostString() + ':' + address.getPort();
    }
    // end::logging[]

    /** Listens on 127.0.0.1:6188 and proxies to 127.0.0.1:8000, logging each request. */
    public static void main(String[] args) {
        Server server = new Server();
        server.bootstrap();

        ProxyService<Long> proxy = ProxyService.httpProxyService(server.conf(), new AccessLogProxy("127.0.0.1:8000"));
        proxy.addTcp("127.0.0.1:6188");
        server.addService(proxy);

        System.out.println("Access-logging proxy running on 127.0.0.1:6188, sending to 127.0.0.1:8000");
        server.runForever();
    }
}
