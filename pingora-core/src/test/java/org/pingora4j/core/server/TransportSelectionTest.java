package org.pingora4j.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import org.junit.jupiter.api.Test;

/** What {@code -Dpingora4j.transport} selects ({@link Transport#select}, which {@link Transport#best()} calls). */
final class TransportSelectionTest {

    @Test
    void unsetAndEpollSelectEpollWhereItLoads() {
        assumeTrue(Epoll.isAvailable(), "epoll is not available here: " + Epoll.unavailabilityCause());
        assertEquals("epoll", Transport.select(null).name());
        assertEquals("epoll", Transport.select("").name());
        assertEquals("epoll", Transport.select("epoll").name());
        assertSame(EpollSocketChannel.class, Transport.select("epoll").socketChannelType());
    }

    @Test
    void nioIsAlwaysHonoured() {
        assertEquals("nio", Transport.select("nio").name());
    }

    @Test
    void ioUringIsSelectedByNameWhereTheKernelAllowsIt() {
        assumeTrue(IoUring.isAvailable(), "io_uring is not available here: " + IoUring.unavailabilityCause());
        Transport transport = Transport.select("io_uring");
        assertEquals("io_uring", transport.name());
        assertSame(IoUringSocketChannel.class, transport.socketChannelType());
        assertSame(IoUringServerSocketChannel.class, transport.serverChannelType());
        assertTrue(transport.sockets());
        assertEquals("io_uring", Transport.ioUring().name());
    }

    @Test
    void ioUringFallsBackToTheDefaultWhereItCannotLoad() {
        assumeTrue(!IoUring.isAvailable(), "io_uring is available here, so there is no fallback to see");
        assertEquals(Transport.select(null).name(), Transport.select("io_uring").name());
    }

    @Test
    void anUnknownNameIsAConfigurationError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transport.select("kqueue"));
        assertTrue(e.getMessage().contains("pingora4j.transport"), e.getMessage());
    }
}
