package org.pingora4j.core.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * Regression: an SNI with an underscore once hung the connect (the JDK rejects it as a server name).
 * It is sent and verified like any other name: it connects when the certificate has it, and fails
 * promptly with INVALID_CERT when it does not.
 */
final class UnderscoreSniTest {

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private CompletableFuture<Established> connect(TestOrigin origin) {
        HttpPeer peer = new HttpPeer(origin.address(), true, "origin_1.example.com")
                .withOptions(o -> o.ca(CaCertificates.fromPemFile(TestCerts.file("ca.crt"))));
        return new TransportConnector(new ConnectorOptions(128)).newStream(peer, group.next());
    }

    @Test
    void sniWithAnUnderscoreConnectsWhenTheCertificateHasIt() throws Exception {
        try (TestOrigin origin = TestOrigin.tls("server")) {
            // The certificate has DNS:origin_1.example.com.
            Established established = connect(origin).get(5, TimeUnit.SECONDS);
            assertEquals("CN=localhost", established.ssl().peerSubject());
            assertTrue(established.channel().isActive());
            established.channel().close().syncUninterruptibly();
        }
    }

    @Test
    void sniWithAnUnderscoreFailsPromptlyWhenTheCertificateLacksIt() throws Exception {
        try (TestOrigin origin = TestOrigin.tls("wrong-host")) {
            CompletableFuture<Established> future = connect(origin);
            ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(5, TimeUnit.SECONDS));
            PingoraException error = assertInstanceOf(PingoraException.class, e.getCause());
            assertEquals(ErrorType.INVALID_CERT, error.type(), error.getMessage());
            assertTrue(error.getMessage().contains("origin_1.example.com"), error.getMessage());
        }
    }
}
