package org.pingora4j.core.connectors.http.v1;

import io.netty.channel.Channel;

/** Lets the connector's tests, one package up, see an HTTP/1.1 session's channel. */
public final class Http1Internals {

    private Http1Internals() {
    }

    public static Channel channel(Http1ClientSession session) {
        return session.connection().channel;
    }
}
