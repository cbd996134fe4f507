package org.pingora4j.core.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringChannelOption;
import io.netty.channel.uring.IoUringSocketChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.testing.MachineRequirement;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.TcpKeepalive;

/**
 * The connector on the io_uring transport: it connects, and a peer's TCP keepalive reaches the
 * socket. Needs a kernel that allows io_uring ({@link MachineRequirement}: skipped loudly outside CI).
 */
final class IoUringConnectorTest {

    private EventLoopGroup group;
    private TestOrigin origin;

    @BeforeEach
    void setUp() throws Exception {
        MachineRequirement.require(IoUring.isAvailable(), "io_uring", IoUring.unavailabilityCause());
        group = new MultiThreadIoEventLoopGroup(1, Transport.ioUring().ioHandlerFactory());
        origin = TestOrigin.plain();
    }

    @AfterEach
    void tearDown() {
        if (origin != null) {
            origin.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void appliesThePeersTcpKeepaliveToAnIoUringSocket() throws Exception {
        TransportConnector connector = new TransportConnector(new ConnectorOptions(128), PeerResolver.system(),
                IoUringSocketChannel.class);
        HttpPeer peer = new HttpPeer(origin.address(), false, "")
                .withOptions(o -> o.tcpKeepalive(new TcpKeepalive(Duration.ofSeconds(37), Duration.ofSeconds(7), 4)));

        Established established = connector.newStream(peer, group.next()).get(10, TimeUnit.SECONDS);
        try {
            IoUringSocketChannel channel = assertInstanceOf(IoUringSocketChannel.class, established.channel());
            // Read back from the socket (getsockopt), so these hold only if the options were set on it.
            assertTrue(channel.config().getOption(ChannelOption.SO_KEEPALIVE));
            assertEquals(37, channel.config().getOption(IoUringChannelOption.TCP_KEEPIDLE));
            assertEquals(7, channel.config().getOption(IoUringChannelOption.TCP_KEEPINTVL));
            assertEquals(4, channel.config().getOption(IoUringChannelOption.TCP_KEEPCNT));
        } finally {
            established.channel().close().syncUninterruptibly();
        }
    }
}
