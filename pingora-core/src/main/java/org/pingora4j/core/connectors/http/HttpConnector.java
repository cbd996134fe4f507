package org.pingora4j.core.connectors.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.resolver.AddressResolverGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.connectors.Established;
import org.pingora4j.core.connectors.PeerResolver;
import org.pingora4j.core.connectors.PooledUpstream;
import org.pingora4j.core.connectors.UpstreamHost;
import org.pingora4j.core.connectors.TransportConnector;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.http.ClientSession;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import org.pingora4j.core.connectors.http.v1.Http1Connector;
import org.pingora4j.core.connectors.http.v2.Http2Pool;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.pool.ConnectionMeta;
import org.pingora4j.pool.ConnectionPool;
import org.pingora4j.pool.PoolHandle;
import org.pingora4j.pool.Scheduler;
import org.pingora4j.pool.Ticker;

/**
 * Hands out upstream sessions, HTTP/1.1 or HTTP/2, reusing pooled connections, and takes them back.
 * Mirrors pingora's HTTP connector ({@code connectors/http/mod.rs}, {@code v1.rs} and {@code v2.rs})
 * with its {@code TransportConnector}'s pool: one {@link ConnectionPool}, shared by every event loop,
 * sized by {@link ConnectorOptions#keepalivePoolSize()}, holding idle connections of both protocols.
 * {@link #getSession} is the one place that decides the protocol of a try. The two protocols' halves
 * sit side by side, as pingora's {@code v1.rs} and {@code v2.rs} do: {@link Http1Connector}
 * ({@code connectors.http.v1}) and {@link Http2Pool} ({@code connectors.http.v2}: connections
 * shared by many streams, requests waiting for a connection being opened); this class keeps what
 * they share (the pool, the counters, the prefer-h1 memory).
 *
 * <p>The HTTP/1.1 entry points, pingora's {@code as_http1()} path:
 *
 * <ul>
 *   <li>{@link #getHttpSession}: an idle connection of the peer's reuse key, preferring one that
 *       lives on the caller's event loop, checked alive when taken; otherwise a new connection. The
 *       session's digest says which ({@code reused()}).</li>
 *   <li>{@link #releaseHttpSession}: back to the pool only if reusable, for the peer's idle timeout,
 *       shortened by the upstream's {@code Keep-Alive: timeout} (less a safety margin); not at all
 *       once the upstream's {@code Keep-Alive: max} is spent.</li>
 *   <li>While pooled, each connection is watched on its own event loop; see {@code v1.IdleWatcher}.</li>
 * </ul>
 */
public final class HttpConnector implements AutoCloseable {

    private final TransportConnector transport;
    private final ConnectionPool<PooledUpstream> pool;
    private final Host host = new Host();
    private final Http1Connector h1 = new Http1Connector(host);
    private final Http2Pool h2 = new Http2Pool(host);
    /** Reuse keys whose origin answered an H2H1 offer with http/1.1: later connects offer only that (pingora's prefer_h1). */
    private final java.util.Set<org.pingora4j.pool.GroupKey> preferH1 = ConcurrentHashMap.newKeySet();
    private final Map<EventLoop, Integer> loopIndexes = new ConcurrentHashMap<>();
    private final AtomicInteger nextLoopIndex = new AtomicInteger();
    private final LongAdder sessions = new LongAdder();
    private final LongAdder reused = new LongAdder();
    private final LongAdder connectsOk = new LongAdder();
    private final LongAdder connectsFailed = new LongAdder();
    private final LongAdder staleOnCheckout = new LongAdder();
    private final LongAdder idleClosed = new LongAdder();
    private final LongAdder released = new LongAdder();
    private final LongAdder notReusable = new LongAdder();
    private final ConnectorMeters meters;

    /** Creates a connector with the system resolver, NIO sockets, and the system clock. */
    public HttpConnector(ConnectorOptions options) {
        this(builder(options));
    }

    private HttpConnector(Builder b) {
        this.transport = new TransportConnector(b.options, b.resolver, b.channelType);
        this.pool = ConnectionPool.<PooledUpstream>builder()
                .capacity(b.options.keepalivePoolSize())
                .maxIdle(b.options.keepalivePoolMaxIdle())
                .trimDelay(b.options.keepalivePoolTrimDelay())
                .ticker(b.ticker)
                .scheduler(b.scheduler)
                .evictionListener((meta, connection, cause) -> connection.closeEvicted(cause))
                .build();
        this.meters = b.registry == null ? ConnectorMeters.NONE : new MicrometerConnectorMeters(b.registry, b.tags, this);
    }

    /** Returns a builder for a connector with a custom resolver, socket type, clock or scheduler. */
    public static Builder builder(ConnectorOptions options) {
        return new Builder(options);
    }

    /**
     * Returns a session to {@code peer} in the protocol its {@link Alpn} asks for and its origin
     * agrees to: one decision for every try. HTTP/1.1 as {@link #getHttpSession}; HTTP/2 as a
     * stream of a shared connection (one with room, the caller's loop first), else of an idle pooled
     * one, else of the connection being opened for this peer (requests arriving together wait for
     * it rather than each opening their own), else of a new one. An {@link Alpn#H2H1} origin that
     * picks {@code http/1.1} is remembered, and later requests go straight to HTTP/1.1. Mirrors
     * pingora's {@code get_http_session}, which returns its {@code HttpSession} enum.
     *
     * @return a future completed on the session's event loop, or with a {@link PingoraException}
     */
    public CompletableFuture<ClientSession> getSession(HttpPeer peer, EventLoop callerLoop) {
        CompletableFuture<ClientSession> result = new CompletableFuture<>();
        acquire(peer, callerLoop, result, false);
        return result;
    }

    /**
     * As {@link #getSession}, on a connection opened for this request (HTTP/1.1) or a new connection
     * (HTTP/2): for retrying a request whose pooled connection turned out dead.
     */
    public CompletableFuture<ClientSession> newSession(HttpPeer peer, EventLoop callerLoop) {
        CompletableFuture<ClientSession> result = new CompletableFuture<>();
        acquire(peer, callerLoop, result, true);
        return result;
    }

    /**
     * Gives a session of {@link #getSession} back: an HTTP/1.1 connection as
     * {@link #releaseHttpSession}; an HTTP/2 stream is reset if it has not ended both ways, and its
     * connection goes back to the shared or the idle pool. Safe to call from any thread, and more
     * than once.
     *
     * @return a future completed, once that is done, with whether the connection can serve again
     */
    public CompletableFuture<Boolean> releaseSession(ClientSession session) {
        return session instanceof Http1ClientSession h1Session ? h1.release(h1Session) : h2.release(session);
    }

    /** Whether requests to {@code peer} go over HTTP/1.1. */
    private boolean speaksH1(HttpPeer peer) {
        Alpn alpn = peer.options().alpn();
        return alpn == Alpn.H1 || alpn == Alpn.H2H1 && (!peer.tls() || preferH1.contains(peer.reuseKey()));
    }

    private void acquire(HttpPeer peer, EventLoop loop, CompletableFuture<ClientSession> result, boolean fresh) {
        if (!speaksH1(peer)) {
            h2.acquire(peer, loop, result, fresh);
        } else if (fresh) {
            h1.connect(peer, loop, result);
        } else {
            h1.checkout(peer, loop, result);
        }
    }

    /**
     * Returns an HTTP/1.1 session to {@code peer}: on a pooled connection if one is idle, else on a new one.
     * Mirrors pingora's {@code get_http_session}; the {@code reused} flag it returns is
     * {@code session.digest().reused()}.
     *
     * @param callerLoop the event loop the caller runs on: a connection living there is preferred,
     *     and a new connection is made there
     * @return a future completed on the connection's event loop, or with a {@link PingoraException}
     */
    public CompletableFuture<Http1ClientSession> getHttpSession(HttpPeer peer, EventLoop callerLoop) {
        CompletableFuture<Http1ClientSession> result = new CompletableFuture<>();
        if (h2Only(peer, result)) {
            return result;
        }
        h1.checkout(peer, callerLoop, result);
        return result;
    }

    /**
     * Returns a session on a new connection to {@code peer}, never a pooled one: for retrying a
     * request whose pooled connection turned out dead, where another pooled connection to the same
     * peer may well be dead too.
     */
    public CompletableFuture<Http1ClientSession> newHttpSession(HttpPeer peer, EventLoop callerLoop) {
        CompletableFuture<Http1ClientSession> result = new CompletableFuture<>();
        if (h2Only(peer, result)) {
            return result;
        }
        h1.connect(peer, callerLoop, result);
        return result;
    }

    private static boolean h2Only(HttpPeer peer, CompletableFuture<?> result) {
        if (peer.options().alpn() != Alpn.H2) {
            return false;
        }
        result.completeExceptionally(PingoraException.internal(ErrorType.CONFIG_ERROR,
                "getHttpSession/newHttpSession speak HTTP/1.1, but the peer asks for HTTP/2 only (Alpn.H2): "
                        + "use getSession (" + peer + ")", null));
        return true;
    }

    /**
     * Gives a session back. Its connection returns to the pool if
     * {@link Http1ClientSession#notReusableReason()} is null and the upstream's keep-alive allows,
     * and is closed otherwise. Mirrors pingora's {@code release_http_session}; the idle timeout is
     * the peer's. Safe to call from any thread, and more than once.
     *
     * @return a future completed, once the connection is back in the pool or closed, with whether
     *     it was pooled
     */
    public CompletableFuture<Boolean> releaseHttpSession(Http1ClientSession session) {
        return h1.release(session);
    }

    /** Returns a snapshot of what the connector and its pool did. */
    public ConnectorStats stats() {
        return new ConnectorStats(sessions.sum(), reused.sum(), connectsOk.sum(), connectsFailed.sum(),
                staleOnCheckout.sum(), idleClosed.sum(), released.sum(), notReusable.sum(), pool.stats());
    }

    /** The meters connects report to; {@link ConnectorMeters#NONE} without a registry. */
    ConnectorMeters meters() {
        return meters;
    }

    /** Idle connections in the pool now, without a whole {@link #stats()} snapshot; for the gauge. */
    int poolIdle() {
        return pool.idleCount();
    }

    /** Returns the transport connector that establishes new connections. */
    public TransportConnector transport() {
        return transport;
    }

    /** Closes every idle connection and stops pooling; sessions in use are not affected. */
    @Override
    public void close() {
        pool.close();
    }

    /** Builds the HTTP/1.1 pipeline on a connection made elsewhere (tests: an embedded channel). On its loop. */
    Http1ClientSession adopt(Established established, HttpPeer peer) {
        return h1.adopt(established, peer);
    }

    /** What the per-protocol halves ask of the connector; private, so none of it is HttpConnector's API. */
    private final class Host implements UpstreamHost {
        @Override
        public TransportConnector transport() {
            return transport;
        }

        @Override
        public PooledUpstream takeIdle(HttpPeer peer, EventLoop loop) {
            return pool.get(peer.reuseKey(), affinity(loop));
        }

        @Override
        public PoolHandle<PooledUpstream> putIdle(ConnectionMeta meta, PooledUpstream connection, EventLoop loop,
                                                  Duration idleTimeout) {
            return pool.put(meta, connection, affinity(loop), idleTimeout);
        }

        @Override
        public boolean popClosedIdle(PoolHandle<PooledUpstream> handle) {
            return pool.popClosed(handle);
        }

        @Override
        public void countConnect(Established established, Throwable failure) {
            if (failure == null) {
                connectsOk.increment();
                meters.connected(established);
            } else {
                connectsFailed.increment();
                meters.connectFailed(failure);
            }
        }

        @Override
        public void countSession(boolean wasReused) {
            sessions.increment();
            if (wasReused) {
                reused.increment();
            }
        }

        @Override
        public void countReleased() {
            released.increment();
        }

        @Override
        public void countNotReusable() {
            notReusable.increment();
        }

        @Override
        public void countStaleOnCheckout() {
            staleOnCheckout.increment();
        }

        @Override
        public void countIdleClosed() {
            idleClosed.increment();
        }

        @Override
        public void retire(PooledUpstream otherProtocol) {
            h2.retire(otherProtocol);
        }

        @Override
        public void activateIdleH1(PooledUpstream idle, HttpPeer peer, EventLoop loop,
                                   CompletableFuture<? super ClientSession> result) {
            h1.activateIdle(idle, peer, loop, result);
        }

        @Override
        public void adoptH1(Established established, HttpPeer peer, CompletableFuture<ClientSession> result) {
            Http1ClientSession session = h1.adopt(established, peer);
            if (!result.complete(session)) {
                h1.release(session);
            }
        }

        @Override
        public void rememberPrefersH1(HttpPeer peer) {
            preferH1.add(peer.reuseKey());
        }

        @Override
        public void acquire(HttpPeer peer, EventLoop loop, CompletableFuture<ClientSession> result) {
            HttpConnector.this.acquire(peer, loop, result, false);
        }
    }

    private int affinity(EventLoop loop) {
        Integer index = loopIndexes.get(loop);
        if (index == null) {
            index = loopIndexes.computeIfAbsent(loop, l -> {
                int next = nextLoopIndex.getAndIncrement();
                return next <= 4095 ? next : ConnectionPool.NO_AFFINITY;
            });
        }
        return index;
    }

    /** Configures an {@link HttpConnector}. */
    public static final class Builder {
        private final ConnectorOptions options;
        private AddressResolverGroup<InetSocketAddress> resolver = PeerResolver.system();
        private Class<? extends Channel> channelType = NioSocketChannel.class;
        private Ticker ticker = Ticker.system();
        private Scheduler scheduler = Scheduler.system();
        private MeterRegistry registry;
        private Tags tags = Tags.empty();

        private Builder(ConnectorOptions options) {
            if (options == null) {
                throw new NullPointerException("options");
            }
            this.options = options;
        }

        /** Sets how host names are resolved; see {@link PeerResolver}. */
        public Builder resolver(AddressResolverGroup<InetSocketAddress> value) {
            resolver = java.util.Objects.requireNonNull(value, "resolver");
            return this;
        }

        /** Sets the socket channel class, which must match the event loops' transport. */
        public Builder channelType(Class<? extends Channel> value) {
            channelType = java.util.Objects.requireNonNull(value, "channelType");
            return this;
        }

        /** Sets the pool's clock (idle timeouts); tests inject one. */
        public Builder ticker(Ticker value) {
            ticker = java.util.Objects.requireNonNull(value, "ticker");
            return this;
        }

        /** Sets what runs the pool's maintenance (expiry, trimming). */
        public Builder scheduler(Scheduler value) {
            scheduler = java.util.Objects.requireNonNull(value, "scheduler");
            return this;
        }

        /**
         * Registers the connector's and its pool's meters in {@code value}, with {@code extraTags}
         * on each (to tell several connectors apart, e.g. {@code service=...}). The pool's counters
         * are read when the registry is scraped; connects are timed, and failed ones counted by
         * {@link ErrorType}. Without this call nothing is registered or recorded. The meters are
         * listed in docs/user_guide/metrics.md. A pingora4j addition: Pingora exposes its metrics
         * through the {@code prometheus} crate's global registry instead.
         */
        public Builder metrics(MeterRegistry value, Iterable<Tag> extraTags) {
            registry = java.util.Objects.requireNonNull(value, "registry");
            tags = Tags.of(java.util.Objects.requireNonNull(extraTags, "tags"));
            return this;
        }

        /** Builds the connector. */
        public HttpConnector build() {
            return new HttpConnector(this);
        }
    }
}
