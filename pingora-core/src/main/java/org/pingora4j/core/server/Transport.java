package org.pingora4j.core.server;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * The socket implementation the server's event loops run: Linux epoll when its native library
 * loads (fewer copies and syscalls than NIO, and TCP options NIO lacks), NIO otherwise.
 *
 * @param name {@code epoll} or {@code nio}
 * @param ioHandlerFactory what the event loops are built with
 * @param serverChannelType the listening socket class
 * @param socketChannelType the connected socket class, for downstream and upstream alike
 */
public record Transport(String name, IoHandlerFactory ioHandlerFactory,
                        Class<? extends ServerChannel> serverChannelType,
                        Class<? extends SocketChannel> socketChannelType) {

    /** Returns epoll if available, else NIO; {@code -Dpingora4j.transport=nio} forces NIO. */
    public static Transport best() {
        if (!"nio".equals(System.getProperty("pingora4j.transport")) && Epoll.isAvailable()) {
            return epoll();
        }
        return nio();
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
}
