package org.pingora4j.proxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pingora4j.proxy.Await;
import org.pingora4j.proxy.Descriptors;
import org.pingora4j.core.testing.LeakCheckExtension;

/** The resource accounting can fail: each kind of leftover it claims to catch makes it throw. */
@ExtendWith(LeakCheckExtension.class)
final class ResourceBaselineTest {

    /** Long enough for a healthy scenario to settle; a leftover never does. */
    private static final Duration SHORT_CAP = Duration.ofMillis(500);

    private interface Check {
        void run(FaultFixture proxy, RawOrigin origin, ResourceBaseline baseline) throws Exception;
    }

    private static void withProxy(Check check) throws Exception {
        FaultScenario.warmUp();
        ResourceBaseline baseline = ResourceBaseline.capture();
        try (RawOrigin origin = new RawOrigin(ex -> ex.reply(200, "fine"));
             FaultFixture proxy = new FaultFixture(new FaultProxy(origin.port(), 1, Duration.ofSeconds(5)))) {
            baseline.watch(proxy.service, origin::openConnections);
            check.run(proxy, origin, baseline);
        } finally {
            baseline.close();
        }
    }

    @Test
    void aHealthyExchangeSettlesWithItsConnectionPooled() throws Exception {
        withProxy((proxy, origin, baseline) -> {
            assertEquals(200, proxy.probe("/ok").status());
            baseline.assertSettled(1);
            assertEquals(1, baseline.poolIdle());
        });
    }

    @Test
    void aClientConnectionLeftOpenFailsIt() throws Exception {
        withProxy((proxy, origin, baseline) -> {
            try (Socket kept = proxy.connect()) {
                kept.getOutputStream().write("GET /ok HTTP/1.1\r\nHost: origin\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                assertTrue(RawResponse.read(kept.getInputStream(), RawResponse.Progress.NONE, false).complete());
                AssertionError e = assertThrows(AssertionError.class, () -> baseline.assertSettled(1, SHORT_CAP));
                assertTrue(e.getMessage().contains("openConnections=1"), e.getMessage());
            }
            baseline.assertSettled(1);
        });
    }

    /** Descriptors other than sockets (files here) are counted: more than the tolerance fail it. */
    @Test
    void moreDescriptorsThanTheToleranceFailIt() throws Exception {
        withProxy((proxy, origin, baseline) -> {
            List<FileChannel> leaked = new ArrayList<>();
            try {
                for (int i = 0; i <= ResourceBaseline.FD_TOLERANCE + 10; i++) { // well past the tolerance: other tests' sockets may still be closing
                    leaked.add(FileChannel.open(Path.of("/proc/self/status")));
                }
                assertThrows(AssertionError.class, () -> baseline.assertSettled(0, SHORT_CAP));
            } finally {
                for (FileChannel channel : leaked) {
                    channel.close();
                }
            }
            baseline.assertSettled(0);
        });
    }

    /**
     * A socket left open fails the check even though an unrelated socket, open before the baseline,
     * closed meanwhile: the count of descriptors is back where it was, the set of sockets is not.
     */
    @Test
    void aLeakedSocketFailsItEvenWhenAnUnrelatedSocketClosed() throws Exception {
        FaultScenario.warmUp();
        SocketChannel unrelated = SocketChannel.open(); // open before the baseline: part of it
        try {
            ResourceBaseline baseline = ResourceBaseline.capture();
            try {
                try (RawOrigin origin = new RawOrigin(ex -> ex.reply(200, "fine"));
                     FaultFixture proxy = new FaultFixture(new FaultProxy(origin.port(), 1, Duration.ofSeconds(5)))) {
                    baseline.watch(proxy.service, origin::openConnections);
                    try (Opened leaked = Opened.socket()) {
                        unrelated.close();
                        AssertionError settled = assertThrows(AssertionError.class, () -> baseline.assertSettled(0, SHORT_CAP));
                        assertTrue(settled.getMessage().contains(leaked.link()), settled.getMessage());
                    }
                    baseline.assertSettled(0);
                }
                try (Opened leaked = Opened.socket()) {
                    AssertionError released = assertThrows(AssertionError.class, () -> baseline.assertReleased(SHORT_CAP));
                    assertTrue(released.getMessage().contains(leaked.link()), released.getMessage());
                }
                baseline.assertReleased();
            } finally {
                baseline.close();
            }
        } finally {
            unrelated.close();
        }
    }

    /** A socket this test opened, and its {@code socket:[inode]} as /proc/self/fd names it. */
    private record Opened(SocketChannel channel, String link) implements AutoCloseable {

        /** Opens an unconnected socket: the one socket that appears in /proc/self/fd meanwhile. */
        static Opened socket() throws IOException {
            Set<Long> before = Descriptors.now().sockets();
            SocketChannel channel = SocketChannel.open();
            Set<Long> added = Descriptors.now().socketsNotIn(before);
            assertEquals(1, added.size(), "the premise: opening one socket added one: " + added);
            return new Opened(channel, "socket:[" + added.iterator().next() + "]");
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    @Test
    void morePooledConnectionsThanAllowedFailIt() throws Exception {
        withProxy((proxy, origin, baseline) -> {
            assertEquals(200, proxy.probe("/ok").status());
            assertThrows(AssertionError.class, () -> baseline.assertSettled(0, SHORT_CAP));
        });
    }

    @Test
    void anOriginConnectionNeitherPooledNorClosedFailsIt() throws Exception {
        withProxy((proxy, origin, baseline) -> {
            // An origin-side connection the proxy forgot: open at the origin, not in the pool.
            try (Socket forgotten = new Socket(InetAddress.getLoopbackAddress(), origin.port())) {
                assertTrue(forgotten.isConnected());
                Await.until("the origin accepted", Duration.ofSeconds(10), () -> origin.openConnections() == 1,
                        () -> "open " + origin.openConnections());
                AssertionError e = assertThrows(AssertionError.class, () -> baseline.assertSettled(1, SHORT_CAP));
                assertTrue(e.getMessage().contains("originConnections=1"), e.getMessage());
            }
        });
    }
}
