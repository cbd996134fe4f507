package org.pingora4j.core.protocols.http;

import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * An HTTP response head: status, version and headers. Mirrors pingora's
 * {@code pingora_http::ResponseHeader}, over Netty's {@link HttpResponse}.
 *
 * <p>Not thread safe: it belongs to one request, on its event loop.
 */
public final class ResponseHeader {

    private final HttpResponse response;

    /** Wraps {@code response}; changes through this object change it. */
    public ResponseHeader(HttpResponse response) {
        if (response == null) {
            throw new NullPointerException("response");
        }
        this.response = response;
    }

    /**
     * Builds an HTTP/1.1 response head. Mirrors pingora's {@code ResponseHeader::build}.
     *
     * @throws IllegalArgumentException if {@code status} is not 100..999
     */
    public static ResponseHeader build(int status) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status: " + status + " (expected: 100..999)");
        }
        return new ResponseHeader(new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status)));
    }

    /** Returns the status. */
    public HttpResponseStatus status() {
        return response.status();
    }

    /** Returns the status code. */
    public int statusCode() {
        return response.status().code();
    }

    /** Sets the status. Mirrors pingora's {@code set_status}. */
    public ResponseHeader setStatus(int status) {
        if (status < 100 || status > 999) {
            throw new IllegalArgumentException("status: " + status + " (expected: 100..999)");
        }
        response.setStatus(HttpResponseStatus.valueOf(status));
        return this;
    }

    /** Returns the protocol version. */
    public HttpVersion version() {
        return response.protocolVersion();
    }

    /** Returns the headers, live. */
    public HttpHeaders headers() {
        return response.headers();
    }

    /** Returns the first value of header {@code name}, or null. */
    public String header(CharSequence name) {
        return response.headers().get(name);
    }

    /** Sets header {@code name} to {@code value}, replacing any values. Mirrors pingora's {@code insert_header}. */
    public ResponseHeader insertHeader(CharSequence name, Object value) {
        response.headers().set(name, value);
        return this;
    }

    /** Adds a value to header {@code name}. Mirrors pingora's {@code append_header}. */
    public ResponseHeader appendHeader(CharSequence name, Object value) {
        response.headers().add(name, value);
        return this;
    }

    /** Removes header {@code name}. Mirrors pingora's {@code remove_header}. */
    public ResponseHeader removeHeader(CharSequence name) {
        response.headers().remove(name);
        return this;
    }

    /** Returns the Netty response this wraps. */
    public HttpResponse unwrap() {
        return response;
    }

    @Override
    public String toString() {
        return response.protocolVersion() + " " + response.status();
    }
}
