package org.pingora4j.core.services;

import io.netty.channel.EventLoopGroup;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;

/**
 * What a {@link Service} gets from the server that runs it.
 *
 * @param conf the server's configuration
 * @param eventLoops the event loops every service of the server shares ({@code threads} of them)
 * @param transport the socket implementation the loops run
 */
public record ServiceContext(ServerConf conf, EventLoopGroup eventLoops, Transport transport) {
}
