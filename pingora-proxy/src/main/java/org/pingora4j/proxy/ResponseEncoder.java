package org.pingora4j.proxy;

import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseEncoder;

/**
 * Netty's response encoder, told when the response answers a HEAD request: such a response
 * carries the headers of the body it does not have, and must not get a terminating chunk.
 */
final class ResponseEncoder extends HttpResponseEncoder {

    private final DownstreamConnection<?> connection;

    ResponseEncoder(DownstreamConnection<?> connection) {
        this.connection = connection;
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpResponse response) {
        return connection.currentIsHead() || super.isContentAlwaysEmpty(response);
    }
}
