package org.pingora4j.proxy.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A small HTTP/1.1 message parser written for the tests, independent of Netty, that refuses
 * anything ambiguous (RFC 9112). It judges both what the proxy emits (at the recording origin and
 * at the client) and, in its {@linkplain Mode#ACCEPTABLE lenient} mode, which requests a client's
 * raw bytes really contain.
 *
 * <p>Every parse starts at an offset of a byte array and answers {@link Parsed} (a whole message
 * and where it ends), {@link NeedMore} or {@link Failed}.
 */
final class StrictHttp {

    /** How much leniency RFC 9112 grants the reader. */
    enum Mode {
        /**
         * What a proxy may emit: CRLF only, single SP in the request line, no obs-fold, exactly
         * one {@code Host}, one plain {@code Content-Length}, {@code Transfer-Encoding} exactly
         * {@code chunked}.
         */
        STRICT,
        /**
         * The most a server may accept without ambiguity (used on client bytes): additionally empty
         * lines (CRLF or LF) before the request line (§2.2), runs of SP/HTAB between its parts
         * (§3), a higher HTTP/1 minor version read as 1.1 (RFC 9110 §6.2), obs-fold outside
         * framing headers unfolded (§5.2), and a {@code Content-Length} list of identical values
         * (§6.3). HTTP/1.0 may lack Host.
         */
        ACCEPTABLE
    }

    /** A parsed message: a request (method, target) or a response (status). */
    record Message(String method, String target, String version, int status, List<String[]> headers, byte[] body) {

        /** Returns every value of header {@code name}, case-insensitively. */
        List<String> all(String name) {
            List<String> values = new ArrayList<>();
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    values.add(h[1]);
                }
            }
            return values;
        }

        String bodyText() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            String start = method != null ? method + " " + target + " " + version : version + " " + status;
            StringBuilder s = new StringBuilder(start);
            for (String[] h : headers) {
                s.append(" | ").append(h[0]).append(": ").append(h[1]);
            }
            return s.append(" | body=\"").append(escape(body, 0, body.length)).append('"').toString();
        }
    }

    /** The outcome of one parse. */
    sealed interface Result permits Parsed, NeedMore, Failed {
    }

    /** A whole message that ends at {@code end}. */
    record Parsed(Message message, int end) implements Result {
    }

    /** The bytes so far are a valid prefix of a message. */
    record NeedMore() implements Result {
    }

    /** The bytes cannot be a valid message. */
    record Failed(String why, int at) implements Result {
    }

    private static final NeedMore NEED_MORE = new NeedMore();
    private static final int MAX_HEAD = 256 * 1024;

    private StrictHttp() {
    }

    // ---- requests -------------------------------------------------------------------------------

    /** Parses one request from {@code buf[from, to)}. */
    static Result request(byte[] buf, int from, int to, Mode mode) {
        Cursor c = new Cursor(buf, from, to);
        try {
            if (mode == Mode.ACCEPTABLE) {
                // Empty lines before a request line may be ignored, and a lone LF may end a line (§2.2).
                while (c.remaining() >= 1 && (buf[c.pos] == '\n' || (c.remaining() >= 2 && buf[c.pos] == '\r' && buf[c.pos + 1] == '\n'))) {
                    c.pos += buf[c.pos] == '\n' ? 1 : 2;
                }
                if (c.remaining() == 1 && buf[c.pos] == '\r') {
                    return NEED_MORE;
                }
            }
            String line = c.line();
            // §3: a recipient may split the request line on runs of SP or HTAB.
            String[] parts = mode == Mode.ACCEPTABLE ? line.strip().split("[ \t]+", -1) : line.split(" ", -1);
            if (parts.length != 3) {
                throw c.fail("request line is not method SP target SP version: " + quote(line));
            }
            String method = parts[0];
            String target = parts[1];
            String version = parts[2];
            if (method.isEmpty() || !method.chars().allMatch(StrictHttp::tchar)) {
                throw c.fail("bad method " + quote(method));
            }
            if (target.isEmpty() || !target.chars().allMatch(ch -> ch > 0x20 && ch < 0x7F)) {
                throw c.fail("bad target " + quote(target));
            }
            if (!(target.startsWith("/") || target.startsWith("http://") || target.startsWith("https://")
                    || (target.equals("*") && method.equals("OPTIONS")))) {
                throw c.fail("target form not proxied: " + quote(target));
            }
            if (method.equals("CONNECT")) {
                throw c.fail("CONNECT is not proxied");
            }
            if (mode == Mode.ACCEPTABLE && version.matches("HTTP/1\\.[2-9]")) {
                version = "HTTP/1.1"; // RFC 9110 §6.2: a higher minor version is read as the highest known
            }
            if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
                throw c.fail("bad version " + quote(version));
            }
            List<String[]> headers = c.fields(mode, true);
            List<String> hosts = values(headers, "host");
            if (hosts.size() > 1 || (hosts.isEmpty() && (mode == Mode.STRICT || version.equals("HTTP/1.1")))) {
                throw c.fail(hosts.size() + " Host headers");
            }
            boolean http10 = version.equals("HTTP/1.0");
            byte[] body = c.body(headers, mode, http10, false, false);
            return new Parsed(new Message(method, target, version, 0, headers, body), c.pos);
        } catch (NeedMoreSignal e) {
            return NEED_MORE;
        } catch (FailSignal e) {
            return new Failed(e.getMessage(), e.at);
        }
    }

    /** The requests a client's byte stream holds, and why a strict reader stops after them. */
    record Stream(List<Message> requests, String stop) {
    }

    /**
     * Parses every request of a whole client byte stream in {@link Mode#ACCEPTABLE} mode: the
     * requests before the first error, unfinished message, or request that closes the connection.
     */
    static Stream acceptableRequests(byte[] stream) {
        List<Message> requests = new ArrayList<>();
        int at = 0;
        String stop = "the end of the bytes";
        while (at < stream.length) {
            Result r = request(stream, at, stream.length, Mode.ACCEPTABLE);
            if (r instanceof Failed f) {
                stop = f.why().replaceAll("[:\"(\\[].*", "").strip();
                break;
            }
            if (!(r instanceof Parsed p)) {
                stop = "an unfinished message";
                break;
            }
            requests.add(p.message());
            at = p.end();
            if (closes(p.message())) {
                stop = "a request that closes the connection";
                break;
            }
        }
        return new Stream(requests, stop);
    }

    /** Returns whether a server closes the connection after this request (no keep-alive). */
    static boolean closes(Message request) {
        boolean close = false;
        boolean keepAlive = false;
        for (String v : request.all("connection")) {
            for (String token : v.split(",")) {
                String t = token.trim().toLowerCase(Locale.ROOT);
                close |= t.equals("close");
                keepAlive |= t.equals("keep-alive");
            }
        }
        return close || (request.version().equals("HTTP/1.0") && !keepAlive);
    }

    // ---- responses ------------------------------------------------------------------------------

    /**
     * Parses one final response from {@code buf[from, to)}, skipping 1xx interim responses;
     * {@code eof} says the stream ended at {@code to} (which ends a body without a length).
     */
    static Result response(byte[] buf, int from, int to, boolean headRequest, boolean eof) {
        Cursor c = new Cursor(buf, from, to);
        try {
            while (true) {
                String line = c.line();
                if (line.length() < 13 || !(line.startsWith("HTTP/1.1 ") || line.startsWith("HTTP/1.0 "))
                        || line.charAt(12) != ' ') {
                    throw c.fail("bad status line " + quote(line));
                }
                String code = line.substring(9, 12);
                if (!code.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                    throw c.fail("bad status code " + quote(line));
                }
                if (!line.substring(13).chars().allMatch(ch -> ch == '\t' || (ch >= 0x20 && ch != 0x7F))) {
                    throw c.fail("bad reason phrase " + quote(line));
                }
                int status = Integer.parseInt(code);
                if (status < 100) {
                    throw c.fail("bad status code " + quote(line));
                }
                List<String[]> headers = c.fields(Mode.STRICT, false);
                if (status < 200) {
                    if (!values(headers, "content-length").isEmpty() || !values(headers, "transfer-encoding").isEmpty()) {
                        throw c.fail("a 1xx response with framing headers");
                    }
                    continue;
                }
                boolean bodyless = headRequest || status == 204 || status == 304;
                boolean http10 = line.startsWith("HTTP/1.0 "); // RFC 9112 §6.1: no Transfer-Encoding there
                byte[] body = c.body(headers, Mode.STRICT, http10, bodyless, true);
                if (c.closeDelimited && !eof) {
                    return NEED_MORE;
                }
                return new Parsed(new Message(null, null, line.substring(0, 8), status, headers, body), c.pos);
            }
        } catch (NeedMoreSignal e) {
            return NEED_MORE;
        } catch (FailSignal e) {
            return new Failed(e.getMessage(), e.at);
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    static boolean tchar(int ch) {
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
                || "!#$%&'*+-.^_`|~".indexOf(ch) >= 0;
    }

    private static boolean fieldChar(int ch) {
        return ch == '\t' || (ch >= 0x20 && ch != 0x7F);
    }

    private static List<String> values(List<String[]> headers, String name) {
        List<String> v = new ArrayList<>();
        for (String[] h : headers) {
            if (h[0].equalsIgnoreCase(name)) {
                v.add(h[1]);
            }
        }
        return v;
    }

    static String quote(String s) {
        byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
        return '"' + escape(b, 0, b.length) + '"';
    }

    /** Renders bytes readably: printable ASCII as is, CR and LF as \r and \n, others as \xNN. */
    static String escape(byte[] b, int from, int to) {
        StringBuilder s = new StringBuilder();
        for (int i = from; i < to; i++) {
            int ch = b[i] & 0xFF;
            if (ch == '\r') {
                s.append("\\r");
            } else if (ch == '\n') {
                s.append("\\n");
            } else if (ch == '\\') {
                s.append("\\\\");
            } else if (ch >= 0x20 && ch < 0x7F) {
                s.append((char) ch);
            } else {
                s.append(String.format("\\x%02x", ch));
            }
        }
        return s.toString();
    }

    private static final class NeedMoreSignal extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NeedMoreSignal() {
            super(null, null, false, false);
        }
    }

    private static final class FailSignal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int at;

        FailSignal(String why, int at) {
            super(why, null, false, false);
            this.at = at;
        }
    }

    /** A position in the buffer and the grammar rules that advance it. */
    private static final class Cursor {
        final byte[] buf;
        final int from;
        final int to;
        int pos;
        boolean closeDelimited;

        Cursor(byte[] buf, int from, int to) {
            this.buf = buf;
            this.from = from;
            this.to = to;
            this.pos = from;
        }

        int remaining() {
            return to - pos;
        }

        FailSignal fail(String why) {
            return new FailSignal(why, pos);
        }

        /** Reads one line ending in CRLF; a CR or LF anywhere else in it is an error. */
        String line() {
            int start = pos;
            for (int i = pos; i < to; i++) {
                byte b = buf[i];
                if (b == '\n') {
                    throw new FailSignal("bare LF", i);
                }
                if (b == '\r') {
                    if (i + 1 == to) {
                        throw new NeedMoreSignal();
                    }
                    if (buf[i + 1] != '\n') {
                        throw new FailSignal("bare CR", i);
                    }
                    pos = i + 2;
                    return new String(buf, start, i - start, StandardCharsets.ISO_8859_1);
                }
                if (i - start > MAX_HEAD) {
                    throw new FailSignal("head too large for the test parser", i);
                }
            }
            throw new NeedMoreSignal();
        }

        /** Reads header fields up to the empty line. */
        List<String[]> fields(Mode mode, boolean request) {
            List<String[]> headers = new ArrayList<>();
            while (true) {
                int lineStart = pos;
                String line = line();
                if (line.isEmpty()) {
                    return headers;
                }
                char first = line.charAt(0);
                if (first == ' ' || first == '\t') {
                    if (mode == Mode.STRICT || headers.isEmpty()) {
                        throw new FailSignal("obs-fold", lineStart);
                    }
                    String[] previous = headers.get(headers.size() - 1);
                    if (framing(previous[0])) {
                        throw new FailSignal("obs-fold in framing header " + previous[0], lineStart);
                    }
                    String more = line.strip();
                    if (!more.chars().allMatch(StrictHttp::fieldChar)) {
                        throw new FailSignal("bad char in folded value", lineStart);
                    }
                    previous[1] = (previous[1] + " " + more).strip();
                    continue;
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    throw new FailSignal("header line without a name and colon: " + quote(line), lineStart);
                }
                String name = line.substring(0, colon);
                if (!name.chars().allMatch(StrictHttp::tchar)) {
                    throw new FailSignal("bad header name " + quote(name), lineStart);
                }
                String value = line.substring(colon + 1);
                if (!value.chars().allMatch(StrictHttp::fieldChar)) {
                    throw new FailSignal("bad char in value of " + name + ": " + quote(value), lineStart);
                }
                headers.add(new String[] {name, value.strip()});
            }
        }

        private static boolean framing(String name) {
            return name.equalsIgnoreCase("content-length") || name.equalsIgnoreCase("transfer-encoding")
                    || name.equalsIgnoreCase("host");
        }

        /** Reads the body the headers frame. */
        byte[] body(List<String[]> headers, Mode mode, boolean http10, boolean bodyless, boolean response) {
            List<String> te = values(headers, "transfer-encoding");
            List<String> cl = values(headers, "content-length");
            if (!te.isEmpty()) {
                if (http10) {
                    throw fail("Transfer-Encoding on HTTP/1.0");
                }
                if (!cl.isEmpty()) {
                    throw fail("both Content-Length and Transfer-Encoding");
                }
                List<String> codings = new ArrayList<>();
                for (String v : te) {
                    for (String token : v.split(",", -1)) {
                        codings.add(token.strip().toLowerCase(Locale.ROOT));
                    }
                }
                if (!codings.equals(List.of("chunked"))) {
                    throw fail("transfer codings other than exactly chunked: " + codings);
                }
            }
            long length = -1;
            if (!cl.isEmpty()) {
                if (mode == Mode.STRICT && cl.size() > 1) {
                    throw fail("several Content-Length headers " + cl);
                }
                for (String v : cl) {
                    for (String token : v.split(",", -1)) {
                        String t = mode == Mode.STRICT ? v : token.strip();
                        if (t.isEmpty() || t.length() > 15 || !t.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                            throw fail("bad Content-Length " + quote(v));
                        }
                        long n = Long.parseLong(t);
                        if (length >= 0 && n != length) {
                            throw fail("differing Content-Length values " + cl);
                        }
                        length = n;
                        if (mode == Mode.STRICT) {
                            break;
                        }
                    }
                }
            }
            if (bodyless) {
                return new byte[0];
            }
            if (!te.isEmpty()) {
                return chunked(mode);
            }
            if (length >= 0) {
                if (remaining() < length) {
                    throw new NeedMoreSignal();
                }
                byte[] body = Arrays.copyOfRange(buf, pos, pos + (int) length);
                pos += (int) length;
                return body;
            }
            if (response) {
                closeDelimited = true;
                byte[] body = Arrays.copyOfRange(buf, pos, to);
                pos = to;
                return body;
            }
            return new byte[0];
        }

        private byte[] chunked(Mode mode) {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                int lineStart = pos;
                String line = line();
                int end = 0;
                while (end < line.length() && Character.digit(line.charAt(end), 16) >= 0) {
                    end++;
                }
                if (end == 0 || end > 15) {
                    throw new FailSignal("bad chunk size line " + quote(line), lineStart);
                }
                String ext = line.substring(end);
                if (mode != Mode.STRICT && ext.matches("[ \\t]*;[\\t\\x20-\\x7e]*")) {
                    // Reading a client: the proxy (Netty) ignores what follows ';' on a chunk-size line
                    // and never forwards extensions, so a malformed extension it accepts cannot be read
                    // differently downstream. Control bytes in it are still refused.
                    ext = "";
                }
                if (!ext.isEmpty() && !ext.matches("([ \\t]*;[ \\t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+"
                        + "([ \\t]*=[ \\t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+|\"[^\"\\\\\\x00-\\x08\\x0a-\\x1f\\x7f]*\"))?)+")) {
                    throw new FailSignal("bad chunk extension " + quote(ext), lineStart);
                }
                long size = Long.parseLong(line.substring(0, end), 16);
                if (size == 0) {
                    fields(Mode.STRICT, false); // trailers, as strict as headers
                    return body.toByteArray();
                }
                if (remaining() < size + 2) {
                    throw new NeedMoreSignal();
                }
                body.write(buf, pos, (int) size);
                pos += (int) size;
                if (buf[pos] != '\r' || buf[pos + 1] != '\n') {
                    throw fail("chunk data not followed by CRLF");
                }
                pos += 2;
            }
        }
    }
}
