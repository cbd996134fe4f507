package org.pingora4j.proxy;

import java.net.InetSocketAddress;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Formats access log entries: nginx's {@code combined} format, which log tools parse as it is, and
 * JSON lines with every field. Used on the log's writer thread only.
 */
final class AccessLogLines {

    private static final DateTimeFormatter NGINX_TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneId.systemDefault());

    private AccessLogLines() {
    }

    /**
     * {@code $remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent
     * "$http_referer" "$http_user_agent"}, escaped as nginx escapes it ({@code "}, {@code \} and
     * bytes outside printable ASCII as {@code \xHH}), so a client cannot forge a line.
     */
    static void combined(AccessLogEntry e, StringBuilder out) {
        out.append(e.client() == null ? "-" : e.client().getAddress().getHostAddress()).append(" - - [");
        NGINX_TIME.formatTo(Instant.ofEpochMilli(e.endMillis()), out);
        out.append("] \"");
        escape(e.method(), out);
        out.append(' ');
        escape(e.uri(), out);
        out.append(' ');
        escape(e.protocol(), out);
        out.append("\" ").append(e.status()).append(' ').append(e.bytesOut()).append(" \"");
        escapeOrDash(e.referer(), out);
        out.append("\" \"");
        escapeOrDash(e.userAgent(), out);
        out.append('"');
    }

    /** One JSON object on one line; absent values are {@code null}, times in milliseconds. */
    static void json(AccessLogEntry e, StringBuilder out) {
        out.append("{\"time\":\"").append(Instant.ofEpochMilli(e.endMillis())).append('"');
        field(out, "client", address(e.client()));
        field(out, "method", e.method());
        field(out, "uri", e.uri());
        field(out, "protocol", e.protocol());
        out.append(",\"status\":").append(e.status());
        out.append(",\"bytes_in\":").append(e.bytesIn());
        out.append(",\"bytes_out\":").append(e.bytesOut());
        field(out, "upstream", address(e.upstream()));
        out.append(",\"upstream_time_ms\":");
        millis(e.upstreamNanos(), out);
        out.append(",\"total_time_ms\":");
        millis(e.totalNanos(), out);
        out.append(",\"reused\":").append(e.reused());
        out.append(",\"retries\":").append(e.retries());
        field(out, "request_id", e.requestId());
        field(out, "user_agent", e.userAgent());
        field(out, "referer", e.referer());
        field(out, "error", e.error());
        out.append('}');
    }

    private static String address(InetSocketAddress a) {
        return a == null ? null : a.getAddress() != null ? a.getAddress().getHostAddress() + ':' + a.getPort()
                : a.getHostString() + ':' + a.getPort();
    }

    private static void millis(long nanos, StringBuilder out) {
        if (nanos < 0) {
            out.append("null");
            return;
        }
        long micros = nanos / 1_000;
        out.append(micros / 1_000).append('.');
        long frac = micros % 1_000;
        if (frac < 100) {
            out.append('0');
        }
        if (frac < 10) {
            out.append('0');
        }
        out.append(frac);
    }

    private static void field(StringBuilder out, String name, String value) {
        out.append(",\"").append(name).append("\":");
        if (value == null) {
            out.append("null");
            return;
        }
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void escapeOrDash(String value, StringBuilder out) {
        if (value == null || value.isEmpty()) {
            out.append('-');
        } else {
            escape(value, out);
        }
    }

    private static void escape(String value, StringBuilder out) {
        if (value == null) {
            out.append('-');
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
                out.append(String.format(Locale.ROOT, "\\x%02X", c & 0xff));
            } else {
                out.append(c);
            }
        }
    }
}
