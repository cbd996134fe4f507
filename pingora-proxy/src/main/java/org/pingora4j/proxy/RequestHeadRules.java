package org.pingora4j.proxy;

import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.codec.http.TransferEncodingNotAllowedException;
import java.util.Iterator;
import java.util.List;

/**
 * What a client's request head must satisfy before any phase sees it, and how an acceptable one is
 * normalised (RFC 9110, RFC 9112). Netty's decoder already refuses most malformed heads; these are
 * the rules it leaves to the application, each of which a parser behind the proxy could otherwise
 * read differently than the proxy did (request smuggling, host confusion).
 *
 * <p>A rejected request is answered with the status of its {@link Rejection} and its connection is
 * closed: after a framing error the rest of the byte stream cannot be trusted.
 */
final class RequestHeadRules {

    /** Why a request head is refused, and the status that says so. */
    record Rejection(HttpResponseStatus status, String reason) {
    }

    private RequestHeadRules() {
    }

    /** Returns why {@code request} must be refused, or null if it may be proxied. */
    static Rejection check(HttpRequest request, HttpServerOptions options) {
        if (request.decoderResult().isFailure()) {
            return decoderFailure(request.decoderResult().cause(), request.protocolVersion());
        }
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            return new Rejection(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP version " + version.text());
        }
        if (HttpMethod.CONNECT.equals(request.method())) {
            return new Rejection(HttpResponseStatus.METHOD_NOT_ALLOWED, "CONNECT is not proxied");
        }
        HttpHeaders headers = request.headers();
        if (headers.size() > options.maxHeaderCount()) {
            return new Rejection(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
                    headers.size() + " header lines (at most " + options.maxHeaderCount() + ")");
        }
        Rejection framing = checkFraming(headers, version);
        if (framing != null) {
            return framing;
        }
        return checkTarget(request, version);
    }

    /**
     * Normalises an accepted request in place: an absolute-form target becomes origin-form and its
     * authority becomes the {@code Host} (RFC 9112 §3.2.2: the target's authority wins over Host).
     */
    static void normalize(HttpRequest request) {
        String uri = request.uri();
        int authorityStart = absoluteFormAuthorityStart(uri);
        if (authorityStart < 0) {
            return;
        }
        int pathStart = authorityEnd(uri, authorityStart);
        String authority = uri.substring(authorityStart, pathStart);
        String rest = uri.substring(pathStart);
        request.headers().set(HttpHeaderNames.HOST, authority);
        request.setUri(rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest);
    }

    private static Rejection decoderFailure(Throwable cause, HttpVersion version) {
        if (cause instanceof RequestDecoder.UnsupportedVersionException) {
            return new Rejection(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, cause.getMessage());
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new Rejection(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, String.valueOf(cause));
        }
        if (cause instanceof TooLongHttpLineException) {
            return new Rejection(HttpResponseStatus.REQUEST_URI_TOO_LONG, String.valueOf(cause));
        }
        if (cause instanceof TooLongFrameException) {
            return new Rejection(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, String.valueOf(cause));
        }
        if (cause instanceof TransferEncodingNotAllowedException && version.minorVersion() == 1) {
            // A coding the decoder cannot undo; in HTTP/1.0 any Transfer-Encoding is a framing error.
            return new Rejection(HttpResponseStatus.NOT_IMPLEMENTED, String.valueOf(cause));
        }
        return new Rejection(HttpResponseStatus.BAD_REQUEST, String.valueOf(cause));
    }

    /**
     * Content-Length and Transfer-Encoding: at most one of them, in their one unambiguous form. The
     * decoder framed the body already; a head that another parser could frame differently is refused.
     */
    private static Rejection checkFraming(HttpHeaders headers, HttpVersion version) {
        boolean hasLength = headers.contains(HttpHeaderNames.CONTENT_LENGTH);
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            if (version.minorVersion() == 0) {
                // RFC 9112 §6.1: Transfer-Encoding in HTTP/1.0 means the framing is faulty.
                return new Rejection(HttpResponseStatus.BAD_REQUEST, "Transfer-Encoding in an HTTP/1.0 request");
            }
            if (hasLength) {
                return new Rejection(HttpResponseStatus.BAD_REQUEST, "both Content-Length and Transfer-Encoding");
            }
            List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (codings.size() != 1 || !codings.get(0).trim().equalsIgnoreCase("chunked")) {
                return new Rejection(HttpResponseStatus.NOT_IMPLEMENTED,
                        "Transfer-Encoding " + String.join(", ", codings) + " (only chunked is supported)");
            }
            return null;
        }
        if (!hasLength) {
            return null;
        }
        List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
        if (lengths.size() > 1) {
            return new Rejection(HttpResponseStatus.BAD_REQUEST, "more than one Content-Length");
        }
        if (decimalLength(lengths.get(0)) < 0) {
            return new Rejection(HttpResponseStatus.BAD_REQUEST, "Content-Length \"" + lengths.get(0) + "\"");
        }
        return null;
    }

    private static Rejection checkTarget(HttpRequest request, HttpVersion version) {
        Iterator<String> hosts = request.headers().valueStringIterator(HttpHeaderNames.HOST);
        if (!hosts.hasNext()) {
            if (version.minorVersion() == 1) {
                return new Rejection(HttpResponseStatus.BAD_REQUEST, "no Host in an HTTP/1.1 request");
            }
        } else {
            String host = hosts.next();
            if (hosts.hasNext()) {
                return new Rejection(HttpResponseStatus.BAD_REQUEST, "more than one Host");
            }
            if (!isAuthority(host, 0, host.length(), true)) {
                return new Rejection(HttpResponseStatus.BAD_REQUEST, "Host \"" + host + "\"");
            }
        }
        String uri = request.uri();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= ' ' || c >= 0x7f) {
                // RFC 3986: a target is visible ASCII; a CTL, space or raw non-ASCII byte is read
                // differently by different parsers (Netty decodes bytes as ISO-8859-1).
                return new Rejection(HttpResponseStatus.BAD_REQUEST, "a control, space or non-ASCII byte in the target");
            }
        }
        if (uri.indexOf('#') >= 0) {
            // RFC 9112 §3.2: a request target has no fragment; a server behind the proxy could read
            // "/a#/../b" as another path than the proxy's filters did.
            return new Rejection(HttpResponseStatus.BAD_REQUEST, "a fragment (#) in the request target");
        }
        if (uri.startsWith("/")) {
            return null;
        }
        if (uri.equals("*")) {
            return HttpMethod.OPTIONS.equals(request.method()) ? null
                    : new Rejection(HttpResponseStatus.BAD_REQUEST, "target * for " + request.method());
        }
        int authorityStart = absoluteFormAuthorityStart(uri);
        if (authorityStart < 0) {
            return new Rejection(HttpResponseStatus.BAD_REQUEST, "request target \"" + uri + "\"");
        }
        if (!isAuthority(uri, authorityStart, authorityEnd(uri, authorityStart), false)) {
            return new Rejection(HttpResponseStatus.BAD_REQUEST, "authority of \"" + uri + "\"");
        }
        return null;
    }

    /** Returns where the authority of an {@code http://} or {@code https://} target starts, or -1. */
    private static int absoluteFormAuthorityStart(String uri) {
        if (uri.regionMatches(true, 0, "http://", 0, 7)) {
            return 7;
        }
        if (uri.regionMatches(true, 0, "https://", 0, 8)) {
            return 8;
        }
        return -1;
    }

    private static int authorityEnd(String uri, int start) {
        for (int i = start; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                return i;
            }
        }
        return uri.length();
    }

    /** Returns the value of a Content-Length field that is plain decimal digits, else -1. */
    static long decimalLength(String value) {
        String v = value.trim();
        if (v.isEmpty() || v.length() > 18) {
            return -1;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
        }
        return Long.parseLong(v);
    }

    /**
     * Returns whether {@code s[from, to)} is a {@code uri-host [ ":" port ]} (RFC 3986): no user
     * info, no white space, nothing a server could split differently. Host may be empty in a
     * {@code Host} header (RFC 9110 §7.2), never in a target.
     */
    private static boolean isAuthority(String s, int from, int to, boolean mayBeEmpty) {
        if (from == to) {
            return mayBeEmpty;
        }
        int i = from;
        if (s.charAt(i) == '[') {
            int close = s.indexOf(']', i);
            if (close < 0 || close >= to) {
                return false;
            }
            for (int j = i + 1; j < close; j++) {
                char c = s.charAt(j);
                if (!(isHex(c) || c == ':' || c == '.')) {
                    return false;
                }
            }
            i = close + 1;
        } else {
            while (i < to && s.charAt(i) != ':') {
                char c = s.charAt(i);
                // A comma is a sub-delim of RFC 3986 but a list separator in HTTP fields: a server
                // that splits "a.example,b.example" would route to another host than the proxy did.
                if (c == ',' || !(isUnreserved(c) || isSubDelim(c) || c == '%')) {
                    return false;
                }
                i++;
            }
            if (i == from) {
                return false;
            }
        }
        if (i == to) {
            return true;
        }
        if (s.charAt(i) != ':') {
            return false;
        }
        int port = 0;
        for (int j = i + 1; j < to; j++) {
            char c = s.charAt(j);
            if (c < '0' || c > '9') {
                return false;
            }
            port = port * 10 + (c - '0');
            if (port > 65535) {
                return false; // no such port: a server could wrap it around to one that exists
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    private static boolean isUnreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static boolean isSubDelim(char c) {
        return "!$&'()*+,;=".indexOf(c) >= 0;
    }
}
