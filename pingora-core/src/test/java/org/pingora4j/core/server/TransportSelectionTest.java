package org.pingora4j.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.MachineRequirement;

/**
 * What {@code -Dpingora4j.transport} selects ({@link Transport#select}, which {@link Transport#best()}
 * calls). The epoll and io_uring cases need the machine to allow them ({@link MachineRequirement}:
 * skipped loudly outside CI, failed in CI).
 */
final class TransportSelectionTest {

    @Test
    void unsetAndEpollSelectEpollWhereItLoads() {
        MachineRequirement.require(Epoll.isAvailable(), "epoll", Epoll.unavailabilityCause());
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
        MachineRequirement.require(IoUring.isAvailable(), "io_uring", IoUring.unavailabilityCause());
        Transport transport = Transport.select("io_uring");
        assertEquals("io_uring", transport.name());
        assertSame(IoUringSocketChannel.class, transport.socketChannelType());
        assertSame(IoUringServerSocketChannel.class, transport.serverChannelType());
        assertTrue(transport.sockets());
        assertEquals("io_uring", Transport.ioUring().name());
    }

    /**
     * Where io_uring cannot load, asking for it selects the default instead (with a warning). Seen
     * in a JVM of its own where Netty's native transports are switched off
     * ({@code -Dio.netty.transport.noNative=true}), so it runs on every machine, io_uring or not.
     */
    @Test
    void ioUringFallsBackToTheDefaultWhereItCannotLoad() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dio.netty.transport.noNative=true", "-cp", System.getProperty("java.class.path"),
                PrintSelection.class.getName())
                .redirectErrorStream(true)
                .start();
        String out;
        try (InputStream in = child.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } finally {
            if (!child.waitFor(30, TimeUnit.SECONDS)) {
                child.destroyForcibly();
            }
        }
        assertEquals(0, child.exitValue(), out);
        assertTrue(out.contains("io_uring available: false"), "the premise: io_uring cannot load there: " + out);
        assertTrue(out.contains("selected for io_uring: nio, default: nio"), out);
        assertTrue(out.contains("io_uring is not available here"), "the fallback is logged: " + out);
    }

    /** Prints what {@link Transport#select} chooses; run by {@link #ioUringFallsBackToTheDefaultWhereItCannotLoad}. */
    static final class PrintSelection {
        public static void main(String[] args) {
            boolean available = IoUring.isAvailable();
            String forIoUring = Transport.select("io_uring").name();
            System.out.println("io_uring available: " + available);
            System.out.println("selected for io_uring: " + forIoUring + ", default: " + Transport.select(null).name());
        }
    }

    @Test
    void anUnknownNameIsAConfigurationError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Transport.select("kqueue"));
        assertTrue(e.getMessage().contains("pingora4j.transport"), e.getMessage());
    }
}
