package org.pingora4j.examples;

// tag::file[]
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;

/** A proxy that sends every request to one plain-HTTP origin: Pingora's quick start, smallest form. */
public class MyFirstProxy implements ProxyHttp<Void> {

    private final HttpPeer origin;

    /** Proxies to {@code originAddress}, a {@code host:port}, in plain HTTP. */
    public MyFirstProxy(String originAddress) {
        this(HttpPeer.plain(originAddress)); // host:port, no TLS, so no SNI either
    }

    /** Proxies to {@code origin}: {@code HttpPeer.tls("host:443", "host")} for HTTPS. */
    public MyFirstProxy(HttpPeer origin) {
        this.origin = origin;
    }

    @Override
    public Void newCtx() {
        return null; // no per-request state
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        return CompletableFuture.completedStage(origin);
    }

    /** Listens on 127.0.0.1:6188 and proxies to 127.0.0.1:8000 until SIGTERM or SIGINT. */
    public static void main(String[] args) {
        Server server = new Server();
        server.bootstrap();

        ProxyService<Void> proxy = ProxyService.httpProxyService(server.conf(), new MyFirstProxy("127.0.0.1:8000"));
        proxy.addTcp("127.0.0.1:6188");
        server.addService(proxy);

        System.out.println("My first proxy running on 127.0.0.1:6188, sending to 127.0.0.1:8000");
        server.runForever();
    }
}
// end::file[]
