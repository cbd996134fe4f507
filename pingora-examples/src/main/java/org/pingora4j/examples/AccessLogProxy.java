package org.pingora4j.examples;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.AccessLog;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;

/**
 * {@link MyFirstProxy} with the built-in access log turned on: one JSON line per request, written
 * off the event loops, to the SLF4J logger {@code access}, which the examples' {@code logback.xml}
 * prints to standard output. No {@code logging} phase to write: that phase stays free for a line of
 * your own.
 */
public class AccessLogProxy implements ProxyHttp<Void> {

    private final HttpPeer origin;

    /** Proxies to {@code originAddress}, a {@code host:port}, in plain HTTP. */
    public AccessLogProxy(String originAddress) {
        this(HttpPeer.plain(originAddress));
    }

    /** Proxies to {@code origin}. */
    public AccessLogProxy(HttpPeer origin) {
        this.origin = origin;
    }

    @Override
    public Void newCtx() {
        return null;
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        return CompletableFuture.completedStage(origin);
    }

    // tag::access-log[]
    /** JSON lines (every field) to the logger {@code access}; {@code Format.COMBINED} is nginx's. */
    public static AccessLog accessLog() {
        return AccessLog.builder()
                .format(AccessLog.Format.JSON)
                .toLogger("access")
                .build();
    }
    // end::access-log[]

    /** Listens on 127.0.0.1:6188 and proxies to 127.0.0.1:8000, logging each request. */
    public static void main(String[] args) {
        Server server = new Server();
        server.bootstrap();

        // tag::turn-on[]
        ProxyService<Void> proxy = ProxyService.builder(server.conf(), new AccessLogProxy("127.0.0.1:8000"))
                .accessLog(accessLog()) // the one setting that turns it on
                .build();
        // end::turn-on[]
        proxy.addTcp("127.0.0.1:6188");
        server.addService(proxy);

        System.out.println("Access-logging proxy running on 127.0.0.1:6188, sending to 127.0.0.1:8000");
        server.runForever();
    }
}
