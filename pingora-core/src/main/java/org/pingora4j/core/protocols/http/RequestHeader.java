package org.pingora4j.core.protocols.http;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.net.URI;

/**
 * An HTTP request head: method, URI, version and headers. Mirrors pingora's
 * {@code pingora_http::RequestHeader}, over Netty's {@link HttpRequest} (which validates header
 * names and values, so a filter cannot inject CR/LF).
 *
 * <p>Not thread safe: it belongs to one request, on its event loop.
 */
public final class RequestHeader {

    private final HttpRequest request;

    /** Wraps {@code request}; changes through this object change it. */
    public RequestHeader(HttpRequest request) {
        if (request == null) {
            throw new NullPointerException("request");
        }
        this.request = request;
    }

    /**
     * Builds an HTTP/1.1 request head. Mirrors pingora's {@code RequestHeader::build}.
     *
     * @throws IllegalArgumentException if the method or URI is malformed
     */
    public static RequestHeader build(String method, String uri) {
        return new RequestHeader(new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri));
    }

    /** Returns the method. */
    public HttpMethod method() {
        return request.method();
    }

    /** Returns the request target as sent: a path, or an absolute URI. */
    public String uri() {
        return request.uri();
    }

    /** Returns the protocol version. */
    public HttpVersion version() {
        return request.protocolVersion();
    }

    /** Returns the headers, live. */
    public HttpHeaders headers() {
        return request.headers();
    }

    /** Returns the first value of header {@code name}, or null. */
    public String header(CharSequence name) {
        return request.headers().get(name);
    }

    /**
     * Returns the host the request is for: the {@code Host} header, else the authority of an
     * absolute request URI, else null. Mirrors pingora's {@code host()} helpers.
     */
    public String host() {
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host != null) {
            return host;
        }
        String uri = request.uri();
        if (uri.startsWith("http://") || uri.startsWith("https://")) {
            try {
                return URI.create(uri).getRawAuthority();
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        return null;
    }

    /**
     * Sets header {@code name} to {@code value}, replacing any values. Mirrors pingora's
     * {@code insert_header}.
     *
     * @throws IllegalArgumentException if the name or value is not allowed in HTTP/1.1
     */
    public RequestHeader insertHeader(CharSequence name, Object value) {
        request.headers().set(name, value);
        return this;
    }

    /** Adds a value to header {@code name}. Mirrors pingora's {@code append_header}. */
    public RequestHeader appendHeader(CharSequence name, Object value) {
        request.headers().add(name, value);
        return this;
    }

    /** Removes header {@code name}. Mirrors pingora's {@code remove_header}. */
    public RequestHeader removeHeader(CharSequence name) {
        request.headers().remove(name);
        return this;
    }

    /** Sets the request target. Mirrors pingora's {@code set_uri}. */
    public RequestHeader setUri(String uri) {
        request.setUri(uri);
        return this;
    }

    /** Sets the method. Mirrors pingora's {@code set_method}. */
    public RequestHeader setMethod(HttpMethod method) {
        request.setMethod(method);
        return this;
    }

    /** Returns the Netty request this wraps. */
    public HttpRequest unwrap() {
        return request;
    }

    @Override
    public String toString() {
        return request.method() + " " + request.uri() + " " + request.protocolVersion();
    }
}
