package org.pingora4j.core.connectors;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import jdk.net.ExtendedSocketOptions;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.SocketDigest;
import org.pingora4j.core.protocols.SslDigest;
import org.pingora4j.core.protocols.TimingDigest;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.PeerOptions;
import org.pingora4j.core.upstreams.TcpKeepalive;

/**
 * One connect to one peer: resolve, TCP connect, TLS handshake, host name check, each step bounded
 * by its timeout and all of them by the total timeout. Mirrors pingora's {@code do_connect}.
 *
 * <p>Confined to {@code loop}: every method runs there, so its state needs no synchronisation. The
 * first outcome wins; a later one (the timeout firing as the handshake completes) closes the
 * channel it would have produced.
 */
final class ConnectAttempt {

    private final TransportConnector connector;
    private final HttpPeer peer;
    /** The protocols offered through ALPN. */
    private final Alpn offer;
    private final EventLoop loop;
    private final SslContext sslContext;
    private final CompletableFuture<Established> result;
    private final PeerOptions options;

    private long startNanos;
    private long tcpDoneNanos;
    private Channel channel;
    private ScheduledFuture<?> totalTimer;
    private boolean done;

    ConnectAttempt(TransportConnector connector, HttpPeer peer, EventLoop loop, SslContext sslContext,
                   Alpn offer, CompletableFuture<Established> result) {
        this.offer = offer;
        this.connector = connector;
        this.peer = peer;
        this.loop = loop;
        this.sslContext = sslContext;
        this.result = result;
        this.options = peer.options();
    }

    void start() {
        assert loop.inEventLoop();
        startNanos = System.nanoTime();
        Duration total = options.totalConnectionTimeout();
        if (total != null) {
            totalTimer = loop.schedule(() -> fail(PingoraException.upstream(ErrorType.CONNECT_TIMEDOUT,
                    "total-connection timeout of " + total + " (" + peer + ")", null)),
                    total.toNanos(), TimeUnit.NANOSECONDS);
        }
        if (!connector.sockets()) {
            // In memory (Transport.local(), tests and benchmarks): host:port is the address's name.
            connect(Transport.localAddress(peer.host(), peer.port()));
            return;
        }
        InetSocketAddress unresolved = InetSocketAddress.createUnresolved(peer.host(), peer.port());
        Future<InetSocketAddress> resolved = connector.resolver().getResolver(loop).resolve(unresolved);
        resolved.addListener(f -> guarded(() -> {
            if (f.isSuccess()) {
                connect(resolved.getNow());
            } else {
                fail(ConnectErrors.map(f.cause(), peer, false));
            }
        }));
    }

    private void connect(SocketAddress remote) {
        if (done) {
            return;
        }
        Bootstrap bootstrap = new Bootstrap()
                .group(loop)
                .channel(connector.channelType())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, millis(options.connectionTimeout()))
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // Handlers are added once connected, by whoever speaks the protocol. Until
                        // then, what the transport throws (a read on a socket still connecting under
                        // churn: NotYetConnectedException) stops here; the connect future reports.
                        ch.pipeline().addLast(HandlerNames.CONNECTING, ConnectPhaseErrors.INSTANCE);
                    }
                });
        InetSocketAddress bindTo = null;
        if (remote instanceof InetSocketAddress socket) {
            bootstrap.option(ChannelOption.TCP_NODELAY, true);
            if (options.tcpRecvBuf() > 0) {
                bootstrap.option(ChannelOption.SO_RCVBUF, options.tcpRecvBuf());
            }
            applyKeepalive(bootstrap, options.tcpKeepalive());
            bindTo = connector.bindAddress(peer, socket);
        }
        ChannelFuture connect = bootstrap.connect(remote, bindTo);
        channel = connect.channel();
        connect.addListener(f -> guarded(() -> {
            if (f.isSuccess()) {
                onTcpConnected();
            } else {
                fail(ConnectErrors.map(f.cause(), peer, false));
            }
        }));
    }

    private void applyKeepalive(Bootstrap bootstrap, TcpKeepalive keepalive) {
        if (keepalive == null) {
            return;
        }
        bootstrap.option(ChannelOption.SO_KEEPALIVE, true);
        if (connector.channelType() == EpollSocketChannel.class) {
            bootstrap.option(EpollChannelOption.TCP_KEEPIDLE, (int) keepalive.idle().getSeconds());
            bootstrap.option(EpollChannelOption.TCP_KEEPINTVL, (int) keepalive.interval().getSeconds());
            bootstrap.option(EpollChannelOption.TCP_KEEPCNT, keepalive.count());
        } else if (connector.channelType() == IoUringSocketChannel.class) {
            bootstrap.option(IoUringChannelOption.TCP_KEEPIDLE, (int) keepalive.idle().getSeconds());
            bootstrap.option(IoUringChannelOption.TCP_KEEPINTVL, (int) keepalive.interval().getSeconds());
            bootstrap.option(IoUringChannelOption.TCP_KEEPCNT, keepalive.count());
        } else if (connector.channelType() == NioSocketChannel.class) {
            bootstrap.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPIDLE), (int) keepalive.idle().getSeconds());
            bootstrap.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPINTERVAL),
                    (int) keepalive.interval().getSeconds());
            bootstrap.option(NioChannelOption.of(ExtendedSocketOptions.TCP_KEEPCOUNT), keepalive.count());
        }
    }

    private void onTcpConnected() {
        if (done) {
            channel.close();
            return;
        }
        tcpDoneNanos = System.nanoTime();
        if (sslContext == null) {
            succeed(null);
            return;
        }
        SslHandler handler = sslContext.newHandler(channel.alloc());
        TlsContexts.setSni(handler.engine(), peer.sni());
        TlsContexts.offerAlpn(handler.engine(), offer);
        handler.setHandshakeTimeoutMillis(millis(options.tlsHandshakeTimeout()));
        channel.pipeline().addFirst(HandlerNames.TLS, handler);
        handler.handshakeFuture().addListener(f -> guarded(() -> {
            if (!f.isSuccess()) {
                fail(ConnectErrors.map(f.cause(), peer, true));
                return;
            }
            SSLSession session = handler.engine().getSession();
            PingoraException mismatch = TlsContexts.verifyHostname(session, peer);
            if (mismatch != null) {
                fail(mismatch);
                return;
            }
            succeed(sslDigest(session, handler.engine().getApplicationProtocol()));
        }));
    }

    /**
     * Runs a listener body, failing the attempt on any exception: Netty logs and swallows what a
     * future listener throws, which would leave the caller waiting forever.
     */
    private void guarded(Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | Error e) {
            fail(PingoraException.internal(ErrorType.INTERNAL_ERROR, "connecting to " + peer + " failed", e));
        }
    }

    private void succeed(SslDigest ssl) {
        if (done) {
            channel.close();
            return;
        }
        done = true;
        cancelTimer();
        if (channel.pipeline().get(HandlerNames.CONNECTING) != null) {
            channel.pipeline().remove(HandlerNames.CONNECTING);
        }
        long now = System.nanoTime();
        TimingDigest timing = new TimingDigest(Instant.now(), Duration.ofNanos(tcpDoneNanos - startNanos),
                ssl == null ? Duration.ZERO : Duration.ofNanos(now - tcpDoneNanos));
        SocketDigest socket = new SocketDigest(socketAddress(channel.localAddress()), socketAddress(channel.remoteAddress()));
        if (!result.complete(new Established(channel, timing, socket, ssl))) {
            channel.close();
        }
    }

    /** Returns {@code address} if it is a socket's, else null (in-memory channels have names). */
    private static InetSocketAddress socketAddress(SocketAddress address) {
        return address instanceof InetSocketAddress socket ? socket : null;
    }

    private void fail(PingoraException error) {
        if (done) {
            return;
        }
        done = true;
        cancelTimer();
        if (channel != null) {
            channel.close();
        }
        result.completeExceptionally(error);
    }

    private void cancelTimer() {
        if (totalTimer != null) {
            totalTimer.cancel(false);
        }
    }

    private SslDigest sslDigest(SSLSession session, String alpn) {
        String subject = null;
        String serial = null;
        try {
            Certificate[] chain = session.getPeerCertificates();
            if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
                subject = leaf.getSubjectX500Principal().getName();
                BigInteger serialNumber = leaf.getSerialNumber();
                serial = serialNumber.toString(16);
            }
        } catch (SSLPeerUnverifiedException e) {
            // verifyCert off and no certificate: leave the fields empty
        }
        return new SslDigest(session.getProtocol(), session.getCipherSuite(), subject, serial,
                alpn == null || alpn.isEmpty() ? null : alpn,
                connector.tlsProvider());
    }

    private static int millis(Duration timeout) {
        if (timeout == null) {
            return 0;
        }
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeout.toMillis()));
    }
}
