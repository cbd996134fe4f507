package org.pingora4j.bench.e2e;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.server.Opt;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.server.conf.ServerConfBuilder;
import org.pingora4j.core.services.PrometheusService;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;

/**
 * The pingora4j side of the end-to-end comparison: {@code PooledProxy}'s phases (a fixed upstream,
 * 60 s idle timeout, the Host header set) without its per-request print, so the benchmark measures
 * the request path and not {@code System.out}. See {@link ProxyArgs} for the command line;
 * {@code --pool 0} keeps {@link ServerConf#DEFAULT_UPSTREAM_KEEPALIVE_POOL_SIZE}.
 */
public final class PingoraBenchProxy implements ProxyHttp<Void> {

    private final String upstream;
    private final boolean tls;
    private final String sni;
    private final CaCertificates ca;
    private final String host;

    PingoraBenchProxy(ProxyArgs args) {
        this(args.upstream(), args.tls(), args.sni(), args.ca().map(CaCertificates::fromPemFile).orElse(null),
                args.host());
    }

    /**
     * Proxies to {@code upstream} ({@code host:port}), over TLS with {@code sni} if {@code tls},
     * trusting {@code ca} (null: the JVM's trust store), and says {@code Host: host} upstream. Also
     * the phases of the in-memory {@code ProxyRequestBenchmark}.
     */
    public PingoraBenchProxy(String upstream, boolean tls, String sni, CaCertificates ca, String host) {
        this.upstream = upstream;
        this.tls = tls;
        this.sni = sni;
        this.ca = ca;
        this.host = host;
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
                        .ca(ca));
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
        ProxyService<Void> service = proxy.build();
        service.addTcp(args.listen());
        server.addService(service);
        System.out.println("pingora4j bench proxy on " + args.listen() + " -> " + args.upstream()
                + ", threads " + conf.threads() + ", pool " + conf.upstreamKeepalivePoolSize()
                + args.metrics().map(address -> ", metrics on " + address).orElse(""));
        server.runForever();
    }
}
