package org.pingora4j.proxy;

import io.netty.handler.codec.http.HttpMethod;

/** Which request methods may be sent twice without changing what they do (RFC 9110 §9.2.2). */
final class Idempotency {

    private Idempotency() {
    }

    /** Returns whether {@code method} is idempotent: the safe methods, PUT and DELETE. */
    static boolean isIdempotent(HttpMethod method) {
        return HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method) || HttpMethod.OPTIONS.equals(method)
                || HttpMethod.TRACE.equals(method) || HttpMethod.PUT.equals(method) || HttpMethod.DELETE.equals(method);
    }
}
