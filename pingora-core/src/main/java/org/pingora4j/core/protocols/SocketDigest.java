package org.pingora4j.core.protocols;

import java.net.InetSocketAddress;

/**
 * The two ends of a connection. Mirrors pingora's {@code SocketDigest}.
 *
 * @param localAddress this side's address; null on an in-memory connection ({@code Transport.local()})
 * @param peerAddress the other side's address; null on an in-memory connection
 */
public record SocketDigest(InetSocketAddress localAddress, InetSocketAddress peerAddress) {
}
