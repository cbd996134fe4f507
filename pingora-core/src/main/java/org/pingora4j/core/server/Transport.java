package org.pingora4j.core.server;

import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.net.SocketAddress;
import org.pingora4j.core.protocols.HostPort;
import org.slf4j.LoggerFactory;

/**
 * The socket implementation the server's event loops run: Linux epoll when its native library
 * loads (fewer copies and syscalls than NIO, and TCP options NIO lacks), NIO otherwise; Linux
 * io_uring on request; or, for tests and benchmarks only, {@linkplain #local() in-memory channels}
 * that never touch the kernel.
 *
 * @param name {@code epoll}, {@code io_uring}, {@code nio} or {@code local}
 * @param ioHandlerFactory what the event loops are built with
 * @param serverChannelType the listening channel class
 * @param socketChannelType the connected channel class, for downstream and upstream alike: a
 *     {@link SocketChannel} except for {@link #local()}
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory,
                        Class<? extends ServerChannel> serverChannelType,
                        Class<? extends Channel> socketChannelType) {

    /** The system property that picks the transport: {@code epoll}, {@code io_uring} or {@code nio}. */
    public static final String PROPERTY = "pingora4j.transport";

    /**
     * Returns the transport {@code -Dpingora4j.transport} names, else the default: epoll if
     * available, else NIO. {@code io_uring} is opt-in: on this project's proxy benchmark it was not
     * faster than epoll (see docs/benchmarks.md). A named native transport that cannot load here
     * falls back to the default rather than failing the server, with the same fallback as unset.
     *
     * @throws IllegalArgumentException if the property names no known transport
     */
    public static Transport best() {
        return select(System.getProperty(PROPERTY));
    }

    /**
     * Returns the transport {@code name} selects, as {@link #best()} does for the system property:
     * {@code null} or empty for the default.
     *
     * @throws IllegalArgumentException if {@code name} is no known transport
     */
    public static Transport select(String name) {
        String chosen = name == null ? "" : name.trim();
        switch (chosen) {
            case "nio":
                return nio();
            case "io_uring":
            case "io-uring":
                if (IoUring.isAvailable()) {
                    return ioUring();
                }
                Transport fallback = Epoll.isAvailable() ? epoll() : nio();
                LoggerFactory.getLogger(Transport.class).warn("{}=io_uring but io_uring is not available here ({}); using {}",
                        PROPERTY, IoUring.unavailabilityCause(), fallback.name());
                return fallback;
            case "epoll":
            case "":
                return Epoll.isAvailable() ? epoll() : nio();
            default:
                throw new IllegalArgumentException(PROPERTY + " must be epoll, io_uring or nio, not '" + name + "'");
        }
    }

    /** Returns the NIO transport, available everywhere. */
    public static Transport nio() {
        return new Transport("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
    }

    /**
     * Returns the epoll transport.
     *
     * @throws UnsatisfiedLinkError if epoll is not available here
     */
    public static Transport epoll() {
        Epoll.ensureAvailability();
        return new Transport("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
    }

    /**
     * Returns the io_uring transport (Linux 5.14 and later, when the kernel allows io_uring: some
     * container runtimes forbid it).
     *
     * @throws UnsatisfiedLinkError if io_uring is not available here
     */
    public static Transport ioUring() {
        IoUring.ensureAvailability();
        return new Transport("io_uring", IoUringIoHandler.newFactory(), IoUringServerSocketChannel.class,
                IoUringSocketChannel.class);
    }

    /**
     * Returns Netty's in-memory transport ({@link LocalChannel}): for tests and benchmarks that
     * measure the framework's own work per request without the kernel's. A listener on
     * {@code host:port} binds the {@link LocalAddress} named {@code host:port} (as
     * {@link HostPort#toString()} spells it, port 0 included: no free port is picked), and a
     * connector on this transport connects a peer to the {@code LocalAddress} with its host and port
     * as that name, without resolving it. Socket options are not applied, and addresses are
     * {@code LocalAddress}es, not {@code InetSocketAddress}es; not for production.
     */
    public static Transport local() {
        return new Transport("local", LocalIoHandler.newFactory(), LocalServerChannel.class, LocalChannel.class);
    }

    /** Returns whether connections are sockets (epoll, io_uring, NIO) rather than in memory ({@link #local()}). */
    public boolean sockets() {
        return SocketChannel.class.isAssignableFrom(socketChannelType);
    }

    /**
     * Returns the in-memory address named after {@code host:port}, which a {@link #local()} listener
     * binds and a {@link #local()} connector connects to.
     */
    public static SocketAddress localAddress(String host, int port) {
        return new LocalAddress(new HostPort(host, port).toString());
    }
}
