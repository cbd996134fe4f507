package org.pingora4j.core.upstreams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A TLS handshake is never unbounded, even for a peer that sets no timeout at all. */
final class TlsHandshakeTimeoutDefaultTest {

    @Test
    void aPeerWithoutConnectionTimeoutGetsTheDefaultHandshakeTimeout() {
        PeerOptions options = PeerOptions.builder().connectionTimeout(null).build();
        assertNull(options.connectionTimeout());
        assertEquals(Duration.ofSeconds(10), PeerOptions.DEFAULT_TLS_HANDSHAKE_TIMEOUT);
        assertEquals(PeerOptions.DEFAULT_TLS_HANDSHAKE_TIMEOUT, options.tlsHandshakeTimeout());
    }

    @Test
    void byDefaultTheHandshakeGetsTheConnectTimeout() {
        assertEquals(PeerOptions.DEFAULT_CONNECTION_TIMEOUT, PeerOptions.defaults().tlsHandshakeTimeout());
    }

    @Test
    void theConnectionTimeoutBoundsTheHandshakeWhenSet() {
        PeerOptions options = PeerOptions.builder().connectionTimeout(Duration.ofMillis(1500)).build();
        assertEquals(Duration.ofMillis(1500), options.tlsHandshakeTimeout());
    }
}
