package org.pingora4j.core.protocols;

/**
 * What is known about the upstream connection a request used. Mirrors pingora's {@code Digest}
 * plus the {@code reused} flag, which pingora passes separately: here
 * {@code session.upstreamDigest().reused()} answers the chapter's question in one place.
 *
 * <p>On a reused connection the timing, socket and TLS parts describe the original handshake,
 * which this request did not pay for.
 *
 * @param reused whether the connection came from the pool rather than being established for this request
 * @param requestNumber which request on this connection this is, from 1
 * @param timing when and how fast the connection was established
 * @param socket the two ends of the connection
 * @param ssl the TLS details, or null for plain TCP
 */
public record Digest(boolean reused, int requestNumber, TimingDigest timing, SocketDigest socket, SslDigest ssl) {
}
