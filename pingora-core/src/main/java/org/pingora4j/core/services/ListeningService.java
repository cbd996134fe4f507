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
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.listeners.CertificateStore;
import org.pingora4j.core.listeners.TlsSettings;
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

    private record Endpoint(HostPort address, CertificateStore tls) {
    }

    private final String name;
    private final List<Endpoint> endpoints = new ArrayList<>();
    private final List<Channel> listeners = new CopyOnWriteArrayList<>();
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private volatile boolean started;
    /** Checks the TLS listeners' certificate files for a renewal; off the event loops (file reads, key parsing). */
    private volatile ScheduledExecutorService certificateChecks;

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
        addEndpoint(new Endpoint(HostPort.parse(address, 0), null));
    }

    /**
     * Listens for TLS on {@code address} with the PEM certificate chain and (PKCS#8) key files, for
     * every server name. Mirrors pingora's {@code add_tls}; see {@link #addTls(String, TlsSettings)}
     * for several certificates, client certificates and the rest.
     *
     * @throws PingoraException CONFIG_ERROR if the certificate or key cannot be used
     */
    public void addTls(String address, String certPath, String keyPath) {
        addTls(address, TlsSettings.builder().certificate(certPath, keyPath).build());
    }

    /**
     * Listens for TLS on {@code address} with {@code settings}: certificates chosen by SNI, reloaded
     * when their files change ({@link TlsSettings#reloadCheckInterval()}) or when asked
     * ({@link #reloadCertificates()}, which the server does on SIGHUP). Mirrors pingora's
     * {@code add_tls_with_settings}. The files are read now.
     *
     * @throws PingoraException CONFIG_ERROR naming the file that cannot be used, and why
     */
    public void addTls(String address, TlsSettings settings) {
        HostPort hostPort = HostPort.parse(address, 0);
        CertificateStore store;
        try {
            store = CertificateStore.load(settings, tlsApplicationProtocols());
        } catch (PingoraException e) {
            throw PingoraException.internal(ErrorType.CONFIG_ERROR, "TLS listener " + address + ": " + e.getMessage(), e.getCause());
        }
        addEndpoint(new Endpoint(hostPort, store));
    }

    /**
     * Reads every TLS listener's certificate files again and serves what changed from the next
     * handshake on; a file that cannot be used is refused and the old certificate keeps serving.
     * Established connections are untouched. Any thread; the server calls it on SIGHUP.
     *
     * @return one line per TLS listener saying what was done (also logged)
     */
    public List<String> reloadCertificates() {
        List<String> done = new ArrayList<>();
        for (Endpoint endpoint : endpoints) {
            if (endpoint.tls() != null) {
                String line = endpoint.tls().reload();
                CertificateStore.log(name + " " + endpoint.address(), line);
                done.add(endpoint.address() + ": " + line);
            }
        }
        return done;
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
                                ch.pipeline().addLast("tls", endpoint.tls().newHandler(ch.alloc()));
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
        checkCertificatesPeriodically();
    }

    private void checkCertificatesPeriodically() {
        for (Endpoint endpoint : endpoints) {
            if (endpoint.tls() == null || endpoint.tls().settings().reloadCheckInterval().isZero()) {
                continue;
            }
            if (certificateChecks == null) {
                certificateChecks = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "pingora4j-certificate-check");
                    t.setDaemon(true);
                    return t;
                });
            }
            long every = endpoint.tls().settings().reloadCheckInterval().toMillis();
            certificateChecks.scheduleWithFixedDelay(() -> {
                String line = endpoint.tls().reloadIfChanged();
                if (line != null) {
                    CertificateStore.log(name + " " + endpoint.address(), line);
                }
            }, every, every, TimeUnit.MILLISECONDS);
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
        ScheduledExecutorService checks = certificateChecks;
        if (checks != null) {
            checks.shutdownNow();
        }
        stopListening();
        connections.close().awaitUninterruptibly();
    }
}
