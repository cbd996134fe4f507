package org.pingora4j.core.protocols;

import java.time.Duration;
import java.time.Instant;

/**
 * When and how fast an upstream connection was established. Mirrors pingora's
 * {@code TimingDigest} (which keeps only {@code established_ts} per layer).
 *
 * @param establishedAt when the connection became usable (TCP connected, TLS done)
 * @param tcpConnect how long DNS resolution and the TCP connect took
 * @param tlsHandshake how long the TLS handshake took; {@link Duration#ZERO} for plain TCP
 */
public record TimingDigest(Instant establishedAt, Duration tcpConnect, Duration tlsHandshake) {

    /** Returns how long establishing the connection took in all. */
    public Duration total() {
        return tcpConnect.plus(tlsHandshake);
    }
}
