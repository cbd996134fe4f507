package org.pingora4j.core.connectors;

import io.netty.channel.Channel;
import org.pingora4j.core.protocols.SocketDigest;
import org.pingora4j.core.protocols.SslDigest;
import org.pingora4j.core.protocols.TimingDigest;

/**
 * A freshly established upstream connection, TCP connected and TLS done, with nothing sent yet.
 * What pingora's {@code TransportConnector::new_stream} returns as a {@code Stream}.
 *
 * @param channel the connected channel, auto-read off, TLS handler installed if any
 * @param timing when and how fast it was established
 * @param socket its two ends
 * @param ssl the TLS details, or null for plain TCP
 */
public record Established(Channel channel, TimingDigest timing, SocketDigest socket, SslDigest ssl) {
}
