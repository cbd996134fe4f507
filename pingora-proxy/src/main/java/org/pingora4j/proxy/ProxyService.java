package org.pingora4j.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.netty.channel.Channel;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.resolver.AddressResolverGroup;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.connectors.PeerResolver;
import org.pingora4j.core.connectors.http.HttpConnector;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ListeningService;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.pool.Scheduler;
import org.pingora4j.pool.Ticker;

/**
 * The HTTP proxy service: accepts client connections on its endpoints ({@link #addTcp},
 * {@link #addTls}) and runs every request through a {@link ProxyHttp}. Mirrors pingora's
 * {@code http_proxy_service} and {@code HttpProxy}.
 *
 * <p>One {@link HttpConnector}, and so one upstream connection pool, serves all of the server's
 * event loops, sized by {@link ConnectorOptions#fromServerConf(ServerConf)} unless other options are
 * given. On a graceful shutdown the service stops accepting, closes idle client connections, answers
 * requests in flight with {@code Connection: close}, and is {@linkplain #drained() drained} when
 * the last one finished.
 *
 * @param <C> the proxy's per-request context
 */
public final class ProxyService<C> extends ListeningService {

    /** The name of an HTTP/1.1 client connection's own handler ({@link DownstreamConnection}). */
    static final String PROXY_HANDLER = "pingora-proxy";
    /** The most bytes one read of a client connection takes. */
    static final int CLIENT_READ_BYTES = 16 * 1024;
    /** Shared: the allocator only holds settings; each channel gets its own handle of it. */
    private static final RecvByteBufAllocator CLIENT_READS =
            new AdaptiveRecvByteBufAllocator(64, 2048, CLIENT_READ_BYTES).maxMessagesPerRead(1);

    private final ProxyHttp<C> proxy;
    private final ServerConf conf;
    private final HttpServerOptions serverOptions;
    private final ConnectorOptions connectorOptions;
    private final AddressResolverGroup<InetSocketAddress> resolver;
    private final Set<ClientConnection> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final CompletableFuture<Void> drained = new CompletableFuture<>();
    private final FailureLog failures = new FailureLog();
    private final Ticker ticker;
    private final Scheduler timerScheduler;
    private final MeterRegistry registry;
    private final ClientBufferBudget bufferBudget;
    private final ProxyMetrics metrics;
    private final AccessLog accessLog;
    private final WarmUp warmUp;
    private final boolean warmUpCopy;
    private volatile WarmUpRun.Result warmedUp;
    private volatile HttpConnector connector;
    private volatile boolean stopping;

    private ProxyService(Builder<C> b) {
        super(b.name);
        this.proxy = b.proxy;
        this.conf = b.conf;
        this.serverOptions = b.serverOptions;
        this.connectorOptions = b.connectorOptions != null ? b.connectorOptions : ConnectorOptions.fromServerConf(b.conf);
        this.resolver = b.resolver;
        this.connector = b.connector;
        this.ticker = b.ticker;
        this.timerScheduler = b.timerScheduler;
        this.registry = b.registry;
        this.bufferBudget = new ClientBufferBudget(serverOptions.maxBufferedBytes(), clients);
        this.metrics = b.registry == null ? ProxyMetrics.NONE : new MicrometerProxyMetrics(b.registry, meterTags(), this, b.histogram);
        this.accessLog = b.accessLog;
        this.warmUp = b.warmUp;
        this.warmUpCopy = b.warmUpCopy;
    }

    /**
     * Returns a proxy service running {@code proxy}, with connector options derived from
     * {@code conf}. Mirrors pingora's {@code http_proxy_service(&conf, proxy)}.
     */
    public static <C> ProxyService<C> httpProxyService(ServerConf conf, ProxyHttp<C> proxy) {
        return builder(conf, proxy).build();
    }

    /** Returns a builder for a proxy service with more than the defaults. */
    public static <C> Builder<C> builder(ServerConf conf, ProxyHttp<C> proxy) {
        return new Builder<>(conf, proxy);
    }

    /** Returns the connector (and its pool); null before the service started unless one was given. */
    public HttpConnector connector() {
        return connector;
    }

    /** Returns the proxy logic. */
    public ProxyHttp<C> proxy() {
        return proxy;
    }

    /** Returns the downstream options. */
    public HttpServerOptions serverOptions() {
        return serverOptions;
    }

    /** Returns how many requests are being served now. */
    public int requestsInFlight() {
        return inFlight.get();
    }

    /** Returns how many requests ended because their client went away (logged at DEBUG only). */
    public long clientsGone() {
        return failures.clientGone();
    }

    /**
     * Returns how many requests were refused for the client's fault: a malformed or unsupported head
     * (before any phase ran), a malformed body, or a stalled upload (408).
     */
    public long requestsRejected() {
        return failures.rejected();
    }

    /**
     * Returns how many bytes of client data the service's connections hold now (request bodies kept
     * for a retry, requests and parts waiting their turn, bytes read but not decoded), counted in
     * steps of 4 KiB per connection; see {@link HttpServerOptions#maxBufferedBytes()}.
     */
    public long bufferedClientBytes() {
        return bufferBudget.charged();
    }

    /** Returns how many connections were shed because buffered client data reached its budget. */
    public long connectionsShed() {
        return bufferBudget.shedCount();
    }

    ClientBufferBudget bufferBudget() {
        return bufferBudget;
    }

    FailureLog failures() {
        return failures;
    }

    Ticker ticker() {
        return ticker;
    }

    /** The scheduler for client-side timeouts, or null for the connection's own event loop. */
    Scheduler scheduler() {
        return timerScheduler;
    }

    ProxyMetrics metrics() {
        return metrics;
    }

    /** The tags on every meter of this service and its connector: {@code service=<name>}. */
    private Tags meterTags() {
        return Tags.of("service", tagValue(name()));
    }

    /**
     * The service's name as a tag value: lower case, runs of anything but letters, digits, '.', '_'
     * and '-' as one '-' ("Pingora HTTP Proxy Service" is {@code pingora-http-proxy-service}), so
     * that it needs no quoting in PromQL, dashboards or log queries.
     */
    static String tagValue(String name) {
        String slug = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9._-]+", "-").replaceAll("^-+|-+$", "");
        return slug.isEmpty() ? "service" : slug;
    }

    /** What the start-up warm-up did; null if none ran. */
    WarmUpRun.Result warmedUp() {
        return warmedUp;
    }

    ServerConf conf() {
        return conf;
    }

    boolean hasMetrics() {
        return registry != null;
    }

    int maxRetries() {
        return conf.maxRetries();
    }

    boolean isStopping() {
        return stopping;
    }

    @Override
    protected void onStart(ServiceContext context) {
        if (connector == null) {
            EventLoopGroup loops = context.eventLoops();
            Scheduler onTheLoops = (task, delayNanos) -> loops.next().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            HttpConnector.Builder connectorBuilder = HttpConnector.builder(connectorOptions)
                    .channelType(context.transport().socketChannelType())
                    .resolver(resolver)
                    .scheduler(onTheLoops);
            if (registry != null) {
                connectorBuilder.metrics(registry, meterTags());
            }
            connector = connectorBuilder.build();
        }
        if (warmUp.enabled()) {
            warmedUp = WarmUpRun.warm(this, context, warmUp);
        }
    }

    /** The warm-up's copy listens on a loopback port for a second: not worth an INFO line. */
    @Override
    protected boolean announceListening() {
        return !warmUpCopy;
    }

    @Override
    protected void initConnection(Channel channel, boolean tls) {
        // One read of at most 16 KiB per client connection per turn of its loop (Netty's defaults
        // are up to 16 reads of up to 64 KiB), as nginx reads a body in client_body_buffer_size:
        // a client that floods its connection gets its turn like the others, not the loop, and one
        // turn of the loop over a thousand such clients reads 16 MiB, not a gigabyte.
        channel.config().setRecvByteBufAllocator(CLIENT_READS);
        if (tls ? serverOptions.h2() : serverOptions.h2c()) {
            channel.pipeline().addLast("pingora-protocol", new ProtocolSwitch(this::install, tls));
        } else {
            install(channel, tls, false);
        }
    }

    /** Installs the handlers of the connection's protocol, HTTP/1.1 or HTTP/2. */
    private void install(Channel channel, boolean tls, boolean h2) {
        if (h2) {
            Http2ServerPipeline.install(channel, this, tls);
            return;
        }
        RequestDecoder decoder = new RequestDecoder(serverOptions);
        DownstreamConnection<C> connection = new DownstreamConnection<>(this, tls, decoder);
        channel.pipeline()
                .addLast("pingora-request-decoder", decoder)
                .addLast("pingora-response-encoder", new ResponseEncoder(connection))
                .addLast(PROXY_HANDLER, connection);
    }

    /** TLS listeners offer HTTP/2 through ALPN unless {@link HttpServerOptions#h2()} is off. */
    @Override
    protected List<String> tlsApplicationProtocols() {
        return serverOptions.h2() ? List.of("h2", "http/1.1") : List.of("http/1.1");
    }

    @Override
    public CompletionStage<Void> stopAccepting() {
        stopping = true;
        CompletionStage<Void> listenersClosed = super.stopAccepting();
        for (ClientConnection client : clients) {
            Channel channel = client.channel();
            try {
                channel.eventLoop().execute(client::closeIfIdle);
            } catch (RejectedExecutionException e) {
                channel.close(); // the loop is shutting down: the connection goes with it
            }
        }
        checkDrained();
        return listenersClosed;
    }

    @Override
    public CompletionStage<Void> drained() {
        return drained;
    }

    @Override
    public void shutdown() {
        stopping = true;
        for (ClientConnection client : clients) {
            client.closeNow(); // an HTTP/2 connection's plain close would wait for its streams
        }
        super.shutdown();
        HttpConnector c = connector;
        if (c != null) {
            c.close();
        }
        if (accessLog != null) {
            accessLog.close(); // writes what the requests that ended left queued
        }
        drained.complete(null);
    }

    /** The access log, or null if off. */
    AccessLog accessLog() {
        return accessLog;
    }

    void connectionOpened(ClientConnection client) {
        clients.add(client);
    }

    void connectionClosed(ClientConnection client) {
        clients.remove(client);
    }

    void requestStarted() {
        inFlight.incrementAndGet();
    }

    void requestFinished() {
        inFlight.decrementAndGet();
        checkDrained();
    }

    private void checkDrained() {
        if (stopping && inFlight.get() == 0) {
            drained.complete(null);
        }
    }

    /** Configures a {@link ProxyService}. */
    public static final class Builder<C> {
        private final ServerConf conf;
        private final ProxyHttp<C> proxy;
        private String name = "Pingora HTTP Proxy Service";
        private HttpServerOptions serverOptions = HttpServerOptions.defaults();
        private ConnectorOptions connectorOptions;
        private AddressResolverGroup<InetSocketAddress> resolver = PeerResolver.system();
        private HttpConnector connector;
        private Ticker ticker = Ticker.system();
        private Scheduler timerScheduler;
        private MeterRegistry registry;
        private AccessLog accessLog;
        private java.time.Duration[] histogram;
        private WarmUp warmUp = WarmUp.off();
        private boolean warmUpCopy;

        private Builder(ServerConf conf, ProxyHttp<C> proxy) {
            this.conf = Objects.requireNonNull(conf, "conf");
            this.proxy = Objects.requireNonNull(proxy, "proxy");
        }

        /** Sets the service's name, for logs. */
        public Builder<C> name(String value) {
            name = Objects.requireNonNull(value, "name");
            return this;
        }

        /** Sets how client connections are treated. */
        public Builder<C> serverOptions(HttpServerOptions value) {
            serverOptions = Objects.requireNonNull(value, "serverOptions");
            return this;
        }

        /** Sets the connector options instead of deriving them from the server configuration. */
        public Builder<C> connectorOptions(ConnectorOptions value) {
            connectorOptions = Objects.requireNonNull(value, "connectorOptions");
            return this;
        }

        /** Sets how upstream host names are resolved; see {@link PeerResolver}. */
        public Builder<C> resolver(AddressResolverGroup<InetSocketAddress> value) {
            resolver = Objects.requireNonNull(value, "resolver");
            return this;
        }

        /** Uses {@code value} as the connector (its socket type must match the server's transport). */
        public Builder<C> connector(HttpConnector value) {
            connector = Objects.requireNonNull(value, "connector");
            return this;
        }

        /**
         * Sets the clock of the client-side timeouts (keep-alive, body read, write, drain): for
         * tests and simulations that move time by hand. By default they run on the system clock
         * and the connections' event loops.
         */
        public Builder<C> clock(Ticker clockTicker, Scheduler clockScheduler) {
            ticker = Objects.requireNonNull(clockTicker, "ticker");
            timerScheduler = Objects.requireNonNull(clockScheduler, "scheduler");
            return this;
        }

        /**
         * Registers the service's meters in {@code value}, tagged {@code service=<name>}: requests
         * by status class, errors by type, retries, upstream response time, requests in flight; and
         * those of the connector the service makes at start (its pool's hits, misses, puts,
         * evictions, expirations, removals, idle connections and reuse ratio; connections opened,
         * connect and TLS handshake times, connect failures by type). A connector given with
         * {@link #connector} registers its own, through {@link HttpConnector.Builder#metrics}.
         * Without this call the service records nothing. To serve them to Prometheus, pass a
         * {@code PrometheusMeterRegistry} and add a {@code PrometheusService} (pingora-core) serving
         * it to the server. Mirrors pingora's
         * Prometheus metrics, which are registered in the {@code prometheus} crate's global registry.
         */
        public Builder<C> metrics(MeterRegistry value) {
            registry = Objects.requireNonNull(value, "registry");
            return this;
        }

        /**
         * Adds latency histograms to the timers {@code pingora.proxy.request.time} and
         * {@code pingora.proxy.upstream.response.time}, for percentiles in the monitoring system
         * ({@code histogram_quantile} in PromQL): with no argument, Micrometer's percentile
         * histogram from 1 ms to 60 s (about 70 buckets per timer); with arguments, exactly those
         * buckets (service level objectives, e.g. 10 ms, 50 ms, 250 ms, 1 s). Off by default: each
         * bucket is a series per timer. Needs {@link #metrics}.
         *
         * @throws IllegalArgumentException if a bucket is not positive
         */
        public Builder<C> latencyHistograms(java.time.Duration... buckets) {
            for (java.time.Duration d : buckets) {
                if (d == null || d.isNegative() || d.isZero()) {
                    throw new IllegalArgumentException("latency bucket: " + d + " (expected: > 0)");
                }
            }
            histogram = buckets.clone();
            return this;
        }

        /**
         * Writes a line per request to {@code value} (see {@link AccessLog}), after the
         * {@code logging} phase; the service closes it when it shuts down. Off without this call.
         */
        public Builder<C> accessLog(AccessLog value) {
            accessLog = Objects.requireNonNull(value, "accessLog");
            return this;
        }

        /**
         * Warms the service up before its listeners open (see {@link WarmUp}): off by default;
         * {@code warmUp(WarmUp.defaults())} spends up to 1.5 s at start so that the first clients
         * do not wait for the JIT.
         */
        public Builder<C> warmUp(WarmUp value) {
            warmUp = Objects.requireNonNull(value, "warmUp");
            return this;
        }

        /** Marks the warm-up's own copy of a service, which does not announce its loopback port. */
        Builder<C> warmUpCopy() {
            warmUpCopy = true;
            return this;
        }

        /** Builds the service. */
        public ProxyService<C> build() {
            return new ProxyService<>(this);
        }
    }
}
