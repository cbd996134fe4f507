package org.pingora4j.examples;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.HttpServerOptions;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;

/**
 * A proxy in front of one plain-HTTP origin that lets WebSockets through under {@code /live/} only
 * (Pingora's {@code is_upgrade_req}, {@link Session#isUpgradeRequest()}), and closes tunnels idle
 * for ten minutes. Everything else is proxied as usual; see {@code docs/user_guide/websocket.md}.
 */
public class WebSocketGate implements ProxyHttp<Void> {

    private final String origin;

    /** Creates the gate in front of {@code origin} ({@code host:port}, plain HTTP). */
    public WebSocketGate(String origin) {
        this.origin = origin;
    }

    /** The service: this gate, with a ten-minute tunnel idle timeout (the default is an hour). */
    public static ProxyService<Void> service(ServerConf conf, String origin) {
        // tag::options[]
        HttpServerOptions options = HttpServerOptions.builder()
                .tunnelIdleTimeout(Duration.ofMinutes(10))
                .build();
        ProxyService<Void> proxy = ProxyService.builder(conf, new WebSocketGate(origin)).serverOptions(options).build();
        // end::options[]
        return proxy;
    }

    @Override
    public Void newCtx() {
        return null;
    }

    // tag::gate[]
    @Override
    public CompletionStage<Boolean> requestFilter(Session session, Void ctx) {
        if (session.isUpgradeRequest() && !session.reqHeader().uri().startsWith("/live/")) {
            return session.respond(403, "WebSockets only under /live/\n");
        }
        return CompletableFuture.completedStage(false);
    }
    // end::gate[]

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        return CompletableFuture.completedStage(new HttpPeer(origin, false, ""));
    }
}
