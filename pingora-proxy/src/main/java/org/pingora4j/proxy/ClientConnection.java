package org.pingora4j.proxy;

import io.netty.channel.Channel;

/**
 * One accepted client connection, as the service keeps track of it: an HTTP/1.1 connection
 * ({@link DownstreamConnection}) or an HTTP/2 one ({@link Http2ServerConnection}). The service
 * closes idle ones on a graceful shutdown, and the buffer budget walks them.
 */
interface ClientConnection extends ClientBufferBudget.Holder {

    /** The connection's channel. */
    Channel channel();

    /**
     * Graceful shutdown: an HTTP/1.1 connection closes if no request is being served; an HTTP/2
     * connection says GOAWAY and closes once its streams end. On the connection's loop.
     */
    void closeIfIdle();

    /** Hard shutdown: closes the connection now, whatever it is serving. Any thread. */
    default void closeNow() {
        channel().close();
    }
}
