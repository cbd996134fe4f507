package org.pingora4j.core.connectors;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.resolver.AddressResolverGroup;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.CertKey;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.upstreams.HttpPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Establishes new upstream connections: name resolution off the event loop, TCP connect, TLS through
 * Conscrypt with SNI and certificate and host name verification. Mirrors the connecting half of
 * pingora's {@code TransportConnector} ({@code connectors/mod.rs}, {@code l4.rs}, {@code tls});
 * pooling is the HTTP connector's business.
 *
 * <p>Timeouts, as pingora: {@code connectionTimeout} bounds the TCP connect and, again, the TLS
 * handshake (which, without it, {@link org.pingora4j.core.upstreams.PeerOptions#DEFAULT_TLS_HANDSHAKE_TIMEOUT}
 * bounds); {@code totalConnectionTimeout} bounds both together. Every failure is a
 * {@link PingoraException} whose {@link ErrorType} names the step (DNS, refused, timed out, TLS,
 * certificate) and whose context names the peer.
 */
public final class TransportConnector {

    private static final Logger logger = LoggerFactory.getLogger(TransportConnector.class);

    private final AddressResolverGroup<InetSocketAddress> resolver;
    private final Class<? extends Channel> channelType;
    private final TlsContexts tls;
    private final List<InetAddress> bindToV4;
    private final List<InetAddress> bindToV6;

    /** Creates a connector with the system resolver and NIO sockets. */
    public TransportConnector(ConnectorOptions options) {
        this(options, PeerResolver.system(), NioSocketChannel.class);
    }

    /**
     * Creates a connector.
     *
     * @param options the CA file, default client certificate and bind addresses are used here
     * @param resolver how host names are resolved; see {@link PeerResolver}
     * @param channelType the socket channel class matching the event loops connections will use; a
     *     non-socket class ({@link io.netty.channel.local.LocalChannel}, see
     *     {@code Transport.local()}) connects in memory to the address named {@code host:port}
     * @throws PingoraException if the CA file or client certificate cannot be read
     */
    public TransportConnector(ConnectorOptions options, AddressResolverGroup<InetSocketAddress> resolver,
                              Class<? extends Channel> channelType) {
        this(options, resolver, channelType, null);
    }

    /** As the public constructor, with {@code tlsBuilds} (if not null) building TLS contexts: for tests. */
    TransportConnector(ConnectorOptions options, AddressResolverGroup<InetSocketAddress> resolver,
                       Class<? extends Channel> channelType, Executor tlsBuilds) {
        this.resolver = resolver;
        this.channelType = channelType;
        CaCertificates ca = options.caFile().map(CaCertificates::fromPemFile).orElse(null);
        CertKey certKey = options.certKeyFile()
                .map(files -> CertKey.fromPemFiles(files.certFile(), files.keyFile()))
                .orElse(null);
        this.tls = tlsBuilds == null ? new TlsContexts(ca, certKey) : new TlsContexts(ca, certKey, tlsBuilds);
        this.bindToV4 = options.bindToV4();
        this.bindToV6 = options.bindToV6();
        warnAboutUnsupported(options);
    }

    /**
     * Says so, once per connector, when options ask for what this transport cannot do, rather than
     * ignoring them silently.
     */
    private void warnAboutUnsupported(ConnectorOptions options) {
        if (options.debugSslKeylog()) {
            logger.warn("upstream_debug_ssl_keylog is set, but the {} TLS engine cannot export session keys; "
                    + "no key log is written", tls.providerName());
        }
        options.offloadThreadpool().ifPresent(offload -> logger.warn(
                "upstream_connect_offload_threadpools ({} x {}) is ignored: connects never block an event loop "
                        + "here, and a Netty channel stays on the loop that connected it, so offloading the "
                        + "connect would move all of the connection's I/O to the offload threads",
                offload.pools(), offload.threadsPerPool()));
    }

    /**
     * Connects a new stream to {@code peer} on {@code loop}; never reuses. Mirrors pingora's
     * {@code TransportConnector::new_stream}.
     *
     * @return a future completed on {@code loop} with the established connection, or with a
     *     {@link PingoraException}
     */
    public CompletableFuture<Established> newStream(HttpPeer peer, EventLoop loop) {
        return newStream(peer, loop, peer.options().alpn());
    }

    /**
     * Connects a new stream to {@code peer} on {@code loop}, offering {@code offer} through ALPN
     * instead of the peer's own choice (the HTTP connector offers only {@code http/1.1} to an
     * {@link Alpn#H2H1} origin it knows to prefer it).
     */
    public CompletableFuture<Established> newStream(HttpPeer peer, EventLoop loop, Alpn offer) {
        CompletableFuture<Established> result = new CompletableFuture<>();
        if (!peer.tls()) {
            start(new ConnectAttempt(this, peer, loop, null, offer, result), loop, result);
            return result;
        }
        CompletableFuture<SslContext> context = tls.get(peer.options());
        if (context.isDone()) {
            startTls(peer, loop, context, offer, result);
        } else {
            context.whenComplete((ignored, error) -> startTls(peer, loop, context, offer, result));
        }
        return result;
    }

    private void startTls(HttpPeer peer, EventLoop loop, CompletableFuture<SslContext> context, Alpn offer,
                          CompletableFuture<Established> result) {
        SslContext sslContext;
        try {
            sslContext = context.join();
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            result.completeExceptionally(cause instanceof PingoraException ? cause
                    : PingoraException.internal(ErrorType.CONFIG_ERROR, "cannot build a TLS context (" + peer + ")", cause));
            return;
        }
        start(new ConnectAttempt(this, peer, loop, sslContext, offer, result), loop, result);
    }

    /** Starts {@code attempt} on {@code loop}; a loop that is shut down fails the connect. */
    private static void start(ConnectAttempt attempt, EventLoop loop, CompletableFuture<Established> result) {
        if (loop.inEventLoop()) {
            attempt.start();
            return;
        }
        try {
            loop.execute(attempt::start);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(PingoraException.internal(ErrorType.INTERNAL_ERROR,
                    "the event loop is shut down; cannot connect", e));
        }
    }

    /** Returns the name of the TLS engine, {@code Conscrypt} unless it could not load. */
    public String tlsProvider() {
        return tls.providerName();
    }

    /** Whether connections are sockets; false for in-memory channels ({@code Transport.local()}). */
    boolean sockets() {
        return SocketChannel.class.isAssignableFrom(channelType);
    }

    AddressResolverGroup<InetSocketAddress> resolver() {
        return resolver;
    }

    Class<? extends Channel> channelType() {
        return channelType;
    }

    /**
     * Returns the local address to bind a connection to {@code remote} to: the peer's own, else a
     * random one of the connector's list for the remote's family (pingora's {@code bind_to_random}),
     * else null.
     */
    InetSocketAddress bindAddress(HttpPeer peer, InetSocketAddress remote) {
        InetAddress own = peer.options().bindTo();
        if (own != null) {
            return new InetSocketAddress(own, 0);
        }
        List<InetAddress> candidates = remote.getAddress() instanceof Inet4Address ? bindToV4 : bindToV6;
        if (candidates.isEmpty()) {
            return null;
        }
        return new InetSocketAddress(candidates.get(ThreadLocalRandom.current().nextInt(candidates.size())), 0);
    }
}
