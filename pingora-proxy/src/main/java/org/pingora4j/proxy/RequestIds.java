package org.pingora4j.proxy;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The request id and W3C trace context a request carries upstream. An incoming {@code X-Request-Id}
 * is kept if it is 1 to 128 characters of letters, digits and {@code . _ : / + = @ -} (what UUIDs,
 * hex, base64 and the usual vendor ids are made of; anything else could forge an access log line or
 * a header); else the trace id of a valid incoming {@code traceparent} is used; else one is
 * generated (32 hex digits, the shape of a trace id). A valid {@code traceparent} passes unchanged,
 * as W3C Trace Context lets an intermediary that records no span do; a missing or invalid one is
 * replaced by a new one whose trace id is the request id when that has the right shape, so logs
 * and traces join. Envoy generates {@code x-request-id} the same way; Pingora leaves it to the user.
 */
final class RequestIds {

    static final String REQUEST_ID = "x-request-id";
    static final String TRACEPARENT = "traceparent";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private RequestIds() {
    }

    /** Settles {@code headers}' request id and trace context; returns the request id. */
    static String adopt(HttpHeaders headers) {
        String incoming = headers.get(REQUEST_ID);
        String traceparent = headers.get(TRACEPARENT);
        boolean validTrace = traceparent != null && headers.getAll(TRACEPARENT).size() == 1 && isTraceparent(traceparent);
        String id;
        if (incoming != null && headers.getAll(REQUEST_ID).size() == 1 && isIdShaped(incoming)) {
            id = incoming;
        } else {
            id = validTrace ? traceparent.substring(3, 35) : hex(16);
            headers.set(REQUEST_ID, id);
        }
        if (!validTrace) {
            String traceId = isTraceId(id) ? id : hex(16);
            headers.set(TRACEPARENT, "00-" + traceId + '-' + hex(8) + "-00");
        }
        return id;
    }

    private static boolean isIdShaped(String s) {
        if (s.isEmpty() || s.length() > 128) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || ".:_/+=@-".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Version 00: {@code 00-<32 hex trace id, not all zero>-<16 hex parent id, not all zero>-<2 hex flags>}. */
    static boolean isTraceparent(String s) {
        return s.length() == 55 && s.startsWith("00-") && s.charAt(35) == '-' && s.charAt(52) == '-'
                && isTraceId(s.substring(3, 35)) && isLowerHex(s, 36, 52) && !allZero(s, 36, 52) && isLowerHex(s, 53, 55);
    }

    private static boolean isTraceId(String s) {
        return s.length() == 32 && isLowerHex(s, 0, 32) && !allZero(s, 0, 32);
    }

    private static boolean isLowerHex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean allZero(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    /** {@code bytes} random bytes as lower-case hex; never all zero in practice (2^-64 and less). */
    private static String hex(int bytes) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] out = new char[bytes * 2];
        for (int i = 0; i < bytes; i += 8) {
            long r = random.nextLong();
            for (int j = 0; j < 8 && i + j < bytes; j++) {
                int b = (int) (r >>> (j * 8)) & 0xff;
                out[2 * (i + j)] = HEX[b >>> 4];
                out[2 * (i + j) + 1] = HEX[b & 0xf];
            }
        }
        return new String(out);
    }
}
