package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.connectors.Established;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * Work handed to an event loop that is shut down (a server stopping) is rejected: the caller gets
 * a failed future with a clear error, never a thrown RejectedExecutionException or a future that
 * never completes, and what the work held is released.
 */
final class ConnectorLoopShutdownTest {

    private final HttpConnector connector = new HttpConnector(new ConnectorOptions(128));

    @AfterEach
    void tearDown() {
        connector.close();
    }

    private static EventLoop deadLoop() {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoop loop = group.next();
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        return loop;
    }

    private static PingoraException failure(CompletableFuture<?> future) {
        Exception e = assertThrows(Exception.class, () -> ConnectorFixture.await(future));
        assertTrue(e instanceof PingoraException, "a PingoraException, not " + e);
        return (PingoraException) e;
    }

    @Test
    void connectingOnAShutDownLoopFailsTheFuture() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            HttpPeer peer = new HttpPeer(origin.address(), false, "");
            EventLoop dead = deadLoop();

            CompletableFuture<Established> stream = connector.transport().newStream(peer, dead);
            PingoraException e = failure(stream);
            assertEquals(ErrorType.INTERNAL_ERROR, e.type());
            assertTrue(e.getMessage().contains("shut down"), e.getMessage());

            PingoraException viaSession = failure(connector.getHttpSession(peer, dead));
            assertEquals(ErrorType.INTERNAL_ERROR, viaSession.type());
            assertTrue(viaSession.getMessage().contains("shut down"), viaSession.getMessage());
            assertEquals(0, origin.accepted(), "nothing was connected on the dead loop");
        }
    }

    @Test
    void aSessionWhoseLoopShutDownReleasesTheBodyItWasGiven() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (TestOrigin origin = TestOrigin.plain()) {
            HttpPeer peer = new HttpPeer(origin.address(), false, "");
            Http1ClientSession session = ConnectorFixture.await(connector.getHttpSession(peer, group.next()));
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();

            ByteBuf body = Unpooled.copiedBuffer(new byte[] {1, 2, 3});
            PingoraException e = failure(session.writeRequestBody(body, true));
            assertEquals(ErrorType.INTERNAL_ERROR, e.type());
            assertEquals(0, body.refCnt(), "the rejected write released its buffer");
            assertFalse(ConnectorFixture.await(connector.releaseHttpSession(session)), "not pooled");
            // Closing the channel itself is left to the loop's own shutdown, which closes its
            // channels: from outside a terminated loop a close cannot run, and in about one run in
            // six the channel was still reported open here (noted in issue #8's closing note).
        } finally {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
