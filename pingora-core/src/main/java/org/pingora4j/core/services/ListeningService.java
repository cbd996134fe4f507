package org.pingora4j.core.services;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.ServerChannelRecvByteBufAllocator;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import java.security.Provider;
import org.conscrypt.Conscrypt;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.File;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLException;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.HostPort;
import org.pingora4j.core.server.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service that accepts connections on TCP and TLS endpoints and hands each to an application
 * protocol. Mirrors pingora's listening {@code Service} ({@code services/listening.rs}) with its
 * {@code add_tcp} and {@code add_tls}.
 *
 * <p>Subclasses install their protocol handlers in {@link #initConnection(Channel, boolean)} and say
 * when they are {@link #drained()}. This class tracks every accepted connection, so that
 * {@link #shutdown()} can close what is left after the grace period.
 */
public abstract class ListeningService implements Service {

    private static final int ACCEPTS_PER_TURN = 128;
    /**
     * Up to 128 accepts per turn of the loop, until the backlog is empty. A loop busy with a
     * thousand connections takes tens of milliseconds a turn: at one accept a turn the backlog
     * grows until a new client waits seconds. And one a turn is what Netty's epoll transport does
     * unless told otherwise: it asks whether "more data" may follow a read by comparing the bytes
     * read with the bytes asked for, and for an accept the "bytes read" is the new descriptor's
     * number, never the 1 asked for, so the loop stops after the first accept whatever
     * {@code maxMessagesPerRead} says. Measured at 256 new clients on a busy loop: 60 accepted at
     * once, then 5 per 100 ms, the rest after a second (docs/benchmarks.md, "Where the slow
     * requests waited"). Not respecting that guess, the loop accepts until {@code accept} says there is
     * no one left, or 128.
     */
    private static final RecvByteBufAllocator ACCEPTS =
            new ServerChannelRecvByteBufAllocator().respectMaybeMoreData(false).maxMessagesPerRead(ACCEPTS_PER_TURN);

    private static final Logger logger = LoggerFactory.getLogger(ListeningService.class);

    /** {@code alpn}: protocols to set on each Conscrypt engine (empty when Netty's ALPN config does it). */
    private record Endpoint(HostPort address, SslContext tls, String[] alpn) {
    }

    private final String name;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final List<Channel> listeners = new CopyOnWriteArrayList<>();
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile boolean started;

    /** Creates a service named {@code name}, without endpoints yet. */
    protected ListeningService(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * Listens for plain TCP on {@code address} ({@code host:port}; port 0 picks a free one). Mirrors
     * pingora's {@code add_tcp}.
     *
     * @throws IllegalArgumentException if the address is malformed
     * @throws IllegalStateException if the service already started
     */
    public void addTcp(String address) {
        addEndpoint(new Endpoint(HostPort.parse(address, 0), null, new String[0]));
    }

    /**
     * Listens for TLS on {@code address} with the PEM certificate chain and (PKCS#8) key files.
     * Mirrors pingora's {@code add_tls}.
     *
     * @throws PingoraException CONFIG_ERROR if the certificate or key cannot be used
     */
    public void addTls(String address, String certPath, String keyPath) {
        HostPort hostPort = HostPort.parse(address, 0);
        SslContext tls;
        String[] alpn = new String[0];
        try {
            SslContextBuilder builder = SslContextBuilder.forServer(new File(certPath), new File(keyPath));
            Provider conscrypt = conscryptOrNull();
            if (conscrypt != null) {
                // BoringSSL, as upstream: the JDK's engine costs several times the CPU per handshake
                // and per record, which decides the throughput of a TLS listener.
                builder.sslContextProvider(conscrypt);
            }
            List<String> protocols = tlsApplicationProtocols();
            if (conscrypt != null) {
                // Set on each engine (initChannel), not through Netty's ALPN config: on Java 15+
                // Netty wraps the engine in its JDK ALPN adapter, which fails an assertion on
                // Conscrypt's answer when the client offers no protocol (as TlsContexts notes for
                // the client side).
                alpn = protocols.toArray(new String[0]);
            } else if (!protocols.isEmpty()) {
                builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, protocols));
            }
            tls = builder.build();
        } catch (SSLException | IllegalArgumentException e) {
            throw PingoraException.internal(ErrorType.CONFIG_ERROR,
                    "cannot use certificate " + certPath + " and key " + keyPath + " for " + address, e);
        }
        addEndpoint(new Endpoint(hostPort, tls, alpn));
    }

    private static Provider conscryptOrNull() {
        try {
            return Conscrypt.isAvailable() ? Conscrypt.newProvider() : null;
        } catch (LinkageError e) {
            return null; // no native library for this platform: the JDK's engine
        }
    }

    /**
     * Returns the protocols TLS listeners offer through ALPN, most preferred first; empty (the
     * default) for no ALPN. Read when {@link #addTls} is called.
     */
    protected List<String> tlsApplicationProtocols() {
        return List.of();
    }

    private synchronized void addEndpoint(Endpoint endpoint) {
        if (started) {
            throw new IllegalStateException("service " + name + " already started; add endpoints before");
        }
        endpoints.add(endpoint);
    }

    /**
     * Returns the bound socket addresses, in the order endpoints were added; empty before start, and
     * on the in-memory {@link Transport#local()}, whose addresses are names, not sockets.
     */
    public List<InetSocketAddress> boundAddresses() {
        List<InetSocketAddress> bound = new ArrayList<>();
        for (Channel listener : listeners) {
            if (listener.localAddress() instanceof InetSocketAddress socket) {
                bound.add(socket);
            }
        }
        return bound;
    }

    /** Returns the number of open accepted connections. */
    public int openConnections() {
        return connections.size();
    }

    @Override
    public synchronized void start(ServiceContext context) throws Exception {
        if (started) {
            throw new IllegalStateException("service " + name + " already started");
        }
        if (endpoints.isEmpty()) {
            throw new IllegalStateException("service " + name + " has no endpoint: call addTcp or addTls");
        }
        started = true;
        onStart(context);
        Transport transport = context.transport();
        for (Endpoint endpoint : endpoints) {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(context.eventLoops())
                    .channel(transport.serverChannelType())
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            connections.add(ch);
                            if (endpoint.tls() != null) {
                                SslHandler handler = endpoint.tls().newHandler(ch.alloc());
                                if (endpoint.alpn().length > 0 && Conscrypt.isConscrypt(handler.engine())) {
                                    Conscrypt.setApplicationProtocols(handler.engine(), endpoint.alpn());
                                }
                                ch.pipeline().addLast("tls", handler);
                            }
                            initConnection(ch, endpoint.tls() != null);
                        }
                    });
            SocketAddress address;
            if (transport.sockets()) {
                bootstrap.option(ChannelOption.SO_BACKLOG, 1024)
                        .option(ChannelOption.SO_REUSEADDR, true)
                        .option(ChannelOption.RECVBUF_ALLOCATOR, ACCEPTS)
                        .childOption(ChannelOption.TCP_NODELAY, true);
                address = new InetSocketAddress(endpoint.address().host(), endpoint.address().port());
            } else {
                // In memory (tests, benchmarks): no socket options, and the address is a name.
                address = Transport.localAddress(endpoint.address().host(), endpoint.address().port());
            }
            ChannelFuture bind = bootstrap.bind(address);
            bind.awaitUninterruptibly();
            if (!bind.isSuccess()) {
                stopListening();
                throw PingoraException.internal(ErrorType.BIND_ERROR,
                        "service " + name + " cannot listen on " + endpoint.address(), bind.cause());
            }
            listeners.add(bind.channel());
            if (announceListening()) {
                logger.info("{} listening on {}{}", name, bind.channel().localAddress(), endpoint.tls() != null ? " (TLS)" : "");
            }
        }
    }

    /** Whether the service logs its bound addresses at INFO when it starts (by default it does). */
    protected boolean announceListening() {
        return true;
    }

    /** Called once before the listeners bind, with the server's event loops and configuration. */
    protected void onStart(ServiceContext context) throws Exception {
    }

    /**
     * Installs the application protocol on a newly accepted connection. Auto-read is off: the
     * handlers read when they are ready for more.
     *
     * @param tls whether a TLS handler is already first in the pipeline
     */
    protected abstract void initConnection(Channel channel, boolean tls);

    @Override
    public CompletionStage<Void> stopAccepting() {
        return stopListening();
    }

    private CompletionStage<Void> stopListening() {
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Channel listener : listeners) {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            listener.close().addListener(f -> closed.complete(null));
            closing.add(closed);
        }
        listeners.clear();
        return CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]));
    }

    /** Closes every connection still open. */
    @Override
    public void shutdown() {
        stopListening();
        connections.close().awaitUninterruptibly();
    }
}
