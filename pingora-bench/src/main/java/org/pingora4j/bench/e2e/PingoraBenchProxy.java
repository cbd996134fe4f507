package org.pingora4j.bench.e2e;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.connectors.http.ConnectorStats;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.server.Opt;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.server.conf.ServerConfBuilder;
import org.pingora4j.core.services.PrometheusService;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.HttpServerOptions;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;
import org.pingora4j.proxy.WarmUp;

/**
 * The pingora4j side of the end-to-end comparison: {@code PooledProxy}'s phases (a fixed upstream,
 * 60 s idle timeout, the Host header set) without its per-request print, so the benchmark measures
 * the request path and not {@code System.out}. See {@link ProxyArgs} for the command line;
 * {@code --pool 0} keeps {@link ServerConf#DEFAULT_UPSTREAM_KEEPALIVE_POOL_SIZE}.
 *
 * <p>The HTTP/2 shapes: {@code --tls-listen} adds a TLS listener offering {@code h2, http/1.1}
 * through ALPN (the library's default), {@code --h2c} lets the plain listener take h2c with prior
 * knowledge, {@code --h2-upstream} speaks HTTP/2 to the origin ({@link Alpn#H2}, with the
 * library's default stream cap), and {@code --stats} serves {@code connector().stats()} as
 * {@code name value} lines from a JDK {@link HttpServer} thread, off the event loops, so that the
 * benchmark can read the connector's own reuse around a measured phase.
 */
public final class PingoraBenchProxy implements ProxyHttp<Void> {

    private final String upstream;
    private final boolean tls;
    private final String sni;
    private final CaCertificates ca;
    private final String host;
    private final Alpn alpn;

    PingoraBenchProxy(ProxyArgs args) {
        this(args.upstream(), args.tls(), args.sni(), args.ca().map(CaCertificates::fromPemFile).orElse(null),
                args.host(), args.h2Upstream() ? Alpn.H2 : Alpn.H1);
    }

    /**
     * Proxies to {@code upstream} ({@code host:port}), over TLS with {@code sni} if {@code tls},
     * trusting {@code ca} (null: the JVM's trust store), and says {@code Host: host} upstream. Also
     * the phases of the in-memory {@code ProxyRequestBenchmark}.
     */
    public PingoraBenchProxy(String upstream, boolean tls, String sni, CaCertificates ca, String host) {
        this(upstream, tls, sni, ca, host, Alpn.H1);
    }

    /** As above, speaking {@code alpn} to the upstream ({@link Alpn#H1}: HTTP/1.1, the default). */
    public PingoraBenchProxy(String upstream, boolean tls, String sni, CaCertificates ca, String host, Alpn alpn) {
        this.upstream = upstream;
        this.tls = tls;
        this.sni = sni;
        this.ca = ca;
        this.host = host;
        this.alpn = alpn;
    }

    @Override
    public Void newCtx() {
        return null;
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        // Built per request, as PooledProxy (and pingora's examples) do: what that costs is part of
        // what a user following the chapter pays.
        HttpPeer peer = new HttpPeer(upstream, tls, sni)
                .withOptions(options -> options.idleTimeout(Duration.ofSeconds(60))
                        .connectionTimeout(Duration.ofSeconds(5))
                        .totalConnectionTimeout(Duration.ofSeconds(10))
                        .ca(ca)
                        .alpn(alpn));
        return CompletableFuture.completedStage(peer);
    }

    @Override
    public CompletionStage<Void> upstreamRequestFilter(Session session, RequestHeader upstreamRequest, Void ctx) {
        upstreamRequest.insertHeader("Host", host);
        return DONE;
    }

    /** Runs the proxy until SIGTERM, which stops it without a grace period. */
    public static void main(String[] cmdline) {
        ProxyArgs args = ProxyArgs.parse(cmdline);
        ServerConfBuilder builder = ServerConf.builder()
                .threads(args.threads())
                // The benchmark stops it with SIGTERM (a background job ignores SIGINT): no grace.
                .gracePeriodSeconds(0L)
                .gracefulShutdownTimeoutSeconds(1L)
                .pidFile(args.workDir().resolve("pingora.pid").toString())
                .upgradeSock(args.workDir().resolve("pingora_upgrade.sock").toString());
        if (args.pool() > 0) {
            builder.upstreamKeepalivePoolSize(args.pool());
        }
        ServerConf conf = builder.build();
        Server server = new Server(Opt.defaults(), conf);
        ProxyService.Builder<Void> proxy = ProxyService.builder(conf, new PingoraBenchProxy(args));
        // --metrics: the meters on, served as a user would serve them, to measure what they cost
        args.metrics().ifPresent(address -> {
            PrometheusService prometheus = PrometheusService.prometheusHttpService(
                    new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            prometheus.addTcp(address);
            server.addService(prometheus);
            proxy.metrics(prometheus.registry());
        });
        if (args.warmUp()) {
            proxy.warmUp(WarmUp.defaults());
        }
        if (args.h2c()) {
            proxy.serverOptions(HttpServerOptions.builder().h2c(true).build());
        }
        ProxyService<Void> service = proxy.build();
        service.addTcp(args.listen());
        args.tlsListen().ifPresent(address -> service.addTls(address, args.cert().orElseThrow().toString(),
                args.key().orElseThrow().toString()));
        server.addService(service);
        args.stats().ifPresent(address -> serveStats(address, service));
        System.out.println("pingora4j bench proxy on " + args.listen() + (args.h2c() ? " (and h2c)" : "")
                + args.tlsListen().map(address -> " and TLS " + address + " (h2, http/1.1)").orElse("")
                + " -> " + args.upstream() + (args.h2Upstream() ? " over HTTP/2" : "")
                + ", threads " + conf.threads() + ", pool " + conf.upstreamKeepalivePoolSize()
                + args.metrics().map(address -> ", metrics on " + address).orElse("")
                + args.stats().map(address -> ", connector stats on " + address).orElse(""));
        server.runForever();
    }

    /** Serves the connector's counters on {@code address} (any path), one {@code name value} a line. */
    private static void serveStats(String address, ProxyService<Void> service) {
        try {
            HttpServer http = HttpServer.create(
                    new InetSocketAddress(ProxyArgs.hostOf(address), ProxyArgs.portOf(address)), 16);
            http.createContext("/", exchange -> {
                byte[] body = statsText(service).getBytes(StandardCharsets.US_ASCII);
                exchange.getResponseHeaders().set("Content-Type", "text/plain");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            http.start(); // its dispatcher thread is not a daemon: the server's exit ends the JVM
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve connector stats on " + address, e);
        }
    }

    /** The counters as {@link ConnectorCounters#parse} reads them; empty before the service started. */
    static String statsText(ProxyService<Void> service) {
        if (service.connector() == null) {
            return "";
        }
        ConnectorStats s = service.connector().stats();
        return "sessions " + s.sessions() + "\nreused " + s.reused() + "\nconnects_ok " + s.connectsOk()
                + "\nconnects_failed " + s.connectsFailed() + "\nstale_on_checkout " + s.staleOnCheckout()
                + "\nidle_closed " + s.idleClosed() + "\nreleased " + s.released() + "\nnot_reusable "
                + s.notReusable() + "\n";
    }
}
