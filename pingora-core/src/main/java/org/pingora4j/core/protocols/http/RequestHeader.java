package org.pingora4j.core.protocols.http;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
     * Returns the path of the request target, still percent-encoded, without the query: {@code /a/b}
     * for {@code /a/b?x=1}, and for an absolute target ({@code http://h/a/b?x=1}) too; {@code *} for
     * {@code OPTIONS *}; {@code "/"} for an authority-form target or an absolute one without a path.
     * Pingora reads it as {@code req_header().uri.path()}.
     * <pre>{@code
     * if (session.reqHeader().path().startsWith("/admin/")) { ... }
     * }</pre>
     */
    public String path() {
        String uri = request.uri();
        int start = pathStart(uri);
        if (start < 0) {
            return uri.equals("*") ? "*" : "/";
        }
        int end = uri.indexOf('?', start);
        int fragment = uri.indexOf('#', start);
        if (end < 0 || fragment >= 0 && fragment < end) {
            end = fragment;
        }
        return end < 0 ? uri.substring(start) : uri.substring(start, end);
    }

    /**
     * Returns the query of the request target, still percent-encoded and without the {@code ?}, or
     * null if there is none: {@code x=1&y=a%20b} for {@code /p?x=1&y=a%20b}. Pingora's
     * {@code uri.query()}.
     */
    public String query() {
        String uri = request.uri();
        int q = uri.indexOf('?');
        if (q < 0) {
            return null;
        }
        int fragment = uri.indexOf('#', q);
        return fragment < 0 ? uri.substring(q + 1) : uri.substring(q + 1, fragment);
    }

    /**
     * Returns the query parameters, decoded ({@code %XX} as UTF-8, {@code +} as a space), in order,
     * each name with all its values: {@code /p?tag=a&tag=b&q=x%20y} gives
     * {@code {tag=[a, b], q=[x y]}}; a name without {@code =} has the value {@code ""}. Empty
     * without a query. A malformed escape ({@code %zz}) is kept as it is rather than thrown.
     * <pre>{@code
     * List<String> tags = session.reqHeader().queryParams().getOrDefault("tag", List.of());
     * }</pre>
     */
    public Map<String, List<String>> queryParams() {
        String query = query();
        if (query == null || query.isEmpty()) {
            return Map.of();
        }
        Map<String, List<String>> params = new LinkedHashMap<>();
        for (String pair : query.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
            params.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
        }
        params.replaceAll((k, v) -> List.copyOf(v));
        return Collections.unmodifiableMap(params);
    }

    private static String decode(String component) {
        try {
            return QueryStringDecoder.decodeComponent(component, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return component; // a client's bad escape is the filter's to judge, not a reason to throw
        }
    }

    /** Where the path starts in {@code uri}: 0 for origin form, after the authority for absolute form; -1 for none. */
    private static int pathStart(String uri) {
        if (uri.startsWith("/")) {
            return 0;
        }
        int scheme = uri.indexOf("://");
        if (scheme > 0) {
            return uri.indexOf('/', scheme + 3);
        }
        return -1;
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
