package org.pingora4j.examples;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.PrometheusService;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;

/**
 * The connection-pool chapter's complete example, "configuring and using the connection pool": a
 * proxy to {@code api.example.com:443} over TLS that keeps upstream connections warm (idle timeout
 * 60 s, connection timeout 5 s, total connection timeout 10 s, pool of 256), sets
 * {@code Host: api.example.com}, and logs per request whether the connection was reused.
 *
 * <p>Run it with {@code java -jar pingora4j-examples.jar} and {@code --upstream}, {@code --sni},
 * {@code --ca-file}, {@code --listen}, {@code --resolve} and {@code --threads} to point it
 * elsewhere; see {@link ExampleSettings#usage()}.
 */
// tag::proxy[]
public class PooledProxy implements ReuseMonitoring<Void> {
// end::proxy[]

    private final ExampleSettings settings;
    private final CaCertificates ca;
    private final Consumer<String> out;

    /** Creates the chapter's proxy. */
    public PooledProxy() {
        this(ExampleSettings.parse(), System.out::println);
    }

    /** Creates the proxy for {@code settings}, reporting lines to {@code out}. */
    public PooledProxy(ExampleSettings settings, Consumer<String> out) {
        this.settings = settings;
        this.ca = settings.ca();
        this.out = out;
    }

    @Override
    public void report(String line) {
        out.accept(line);
    }

    // tag::phases[]
    @Override
    public Void newCtx() {
        return null;
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        // Create the HTTP peer: api.example.com:443, TLS, SNI api.example.com
        HttpPeer peer = new HttpPeer(settings.upstream(), settings.tls(), settings.sni())
                .withOptions(options -> options
                        // How long a connection may idle in the pool
                        .idleTimeout(Duration.ofSeconds(60))
                        // How long the TCP connect may take
                        .connectionTimeout(Duration.ofSeconds(5))
                        // How long connecting may take in all, TLS handshake included
                        .totalConnectionTimeout(Duration.ofSeconds(10))
                        .ca(ca));
        return CompletableFuture.completedStage(peer);
    }

    @Override
    public CompletionStage<Void> upstreamRequestFilter(Session session, RequestHeader upstreamRequest, Void ctx) {
        // Set the Host header
        upstreamRequest.insertHeader("Host", settings.upstreamHost());
        return DONE;
    }
    // end::phases[]

    /** A server with the proxy service added, not started yet. */
    public record Built(Server server, ProxyService<Void> service, PooledProxy proxy,
                        Optional<PrometheusService> metrics) {
    }

    /**
     * Builds what {@link #main} runs: a server, a configuration with a pool of 256 and
     * {@code settings.threads()} event loops, the proxy service listening on {@code settings.listen()}.
     */
    public static Built build(ExampleSettings settings, Consumer<String> out) {
        // tag::main[]
        // Create the server: a pool of 256 idle upstream connections and --threads event
        // loops, unless a pingora_conf.yaml given with -c decides
        Server server = settings.opt().conf().isPresent()
                ? new Server(settings.opt())
                : new Server(settings.opt(), ServerConf.builder()
                        .upstreamKeepalivePoolSize(256)
                        .threads(settings.threads())
                        .build());
        server.bootstrap();
        ServerConf serverConf = server.conf();

        // Create the proxy service
        PooledProxy proxy = new PooledProxy(settings, out);
        ProxyService.Builder<Void> builder = ProxyService.builder(serverConf, proxy)
                .resolver(settings.resolver());

        // With --metrics HOST:PORT, serve the pool's and the proxy's meters there
        Optional<PrometheusService> metrics = settings.metricsAddress()
                .map(address -> PrometheusEndpoint.serve(server, address));
        metrics.ifPresent(prometheus -> builder.metrics(prometheus.registry()).latencyHistograms());
        // With --access-log combined|json, a line per request on standard output
        settings.newAccessLog().ifPresent(builder::accessLog);
        // Run traffic through a private copy first, so that the JIT is done before clients come
        builder.warmUp(settings.warmUpOptions());
        ProxyService<Void> proxyService = builder.build();

        // Where to listen
        proxyService.addTcp(settings.listen());

        // Add the service to the server
        server.addService(proxyService);
        // end::main[]
        return new Built(server, proxyService, proxy, metrics);
    }

    /** Builds the proxy and runs it until SIGTERM (graceful) or SIGINT (fast), then exits. */
    public static void run(ExampleSettings settings, PrintStream out) {
        Server server = build(settings, out::println).server();
        // tag::main[]

        // Run it until SIGTERM (graceful) or SIGINT (fast), then exit
        server.start(); // a port in use fails here, before anything says it runs
        out.println("Proxy server with connection pool running on " + settings.listen());
        server.runForever();
        // end::main[]
    }

    /**
     * Runs the proxy until SIGTERM (graceful) or SIGINT (fast): the same as
     * {@code java -jar pingora4j-examples.jar}, so {@code args} may also name another example.
     */
    public static void main(String[] args) {
        Examples.main(args);
    }
}
