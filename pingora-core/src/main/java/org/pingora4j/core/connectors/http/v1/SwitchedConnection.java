package org.pingora4j.core.connectors.http.v1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.util.List;
import java.util.Objects;

/**
 * An upstream connection taken out of HTTP/1.1 after its origin answered {@code 101 Switching
 * Protocols} to a request that asked to upgrade: the raw channel, with no HTTP handler left in its
 * pipeline, and the bytes of the new protocol that arrived with the 101, in order. Pingora's
 * {@code HttpTask::UpgradedBody}, as a channel: what flows next is the caller's, byte for byte.
 *
 * <p>The caller owns {@link #earlyBytes()} (each to be written on or released) and puts its own
 * handler on {@link #channel()}, whose reads are paused until it asks for them. The session it came
 * from can only be released, which closes the channel.
 *
 * @param channel the connection, on its own event loop
 * @param earlyBytes what the origin sent after the 101 head before the switch, oldest first
 */
public record SwitchedConnection(Channel channel, List<ByteBuf> earlyBytes) {

    /** Checks and copies; the list is immutable. */
    public SwitchedConnection {
        Objects.requireNonNull(channel, "channel");
        earlyBytes = List.copyOf(earlyBytes);
    }
}
