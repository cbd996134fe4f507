package org.pingora4j.core.connectors.http.v2;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Header rules at the border between Netty's HTTP/1 objects and HTTP/2 frames (RFC 9113 §8.2),
 * beyond what Netty's {@code HttpConversionUtil} already does (it drops the connection-specific
 * fields, keeps {@code te: trailers} only, maps {@code Host} to {@code :authority} and splits or
 * rejoins cookies). Netty carries HTTP/2 details through extension headers named
 * {@code x-http2-*}: the stream id on every message it decodes, and the {@code :scheme} and
 * {@code :path} it encodes if a message carries them. Those must never cross: a client that sent
 * {@code x-http2-scheme} through an HTTP/1.1 hop would choose the origin's {@code :scheme}, and
 * the stream id is nobody's business upstream or downstream. Pingora's
 * {@code v2::client::sanitize_request_header} plays the same part.
 */
public final class H2Headers {

    private static final String EXTENSION_PREFIX = "x-http2-";

    private H2Headers() {
    }

    /** Removes Netty's HTTP/2 extension headers ({@code x-http2-*}) from {@code headers}. */
    public static void dropExtensions(HttpHeaders headers) {
        if (headers.isEmpty()) {
            return;
        }
        List<String> names = null;
        for (Map.Entry<String, String> e : headers) {
            String name = e.getKey();
            if (name.length() > EXTENSION_PREFIX.length() && name.regionMatches(true, 0, EXTENSION_PREFIX, 0, EXTENSION_PREFIX.length())) {
                if (names == null) {
                    names = new ArrayList<>(2);
                }
                names.add(name);
            }
        }
        if (names != null) {
            for (String name : names) {
                headers.remove(name);
            }
        }
    }
}
