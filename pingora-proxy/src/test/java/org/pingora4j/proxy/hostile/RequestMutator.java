package org.pingora4j.proxy.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates one client connection's bytes for the request fuzz: one to three pipelined requests,
 * valid to begin with, then mutated the ways smuggling attacks do -- header lines inserted,
 * deleted and duplicated, framing headers flipped, chunk sizes lied about, Connection naming
 * framing headers, bodies that look like requests, versions changed, and single bytes (CR, LF,
 * NUL, SP, HTAB, comma, ...) inserted, dropped or repeated. Deterministic for a given random.
 */
final class RequestMutator {

    private static final String[] CONNECTION_TOKENS = {
        "close", "keep-alive", "Content-Length", "content-length", "Transfer-Encoding", "Host", "X-Junk", "TE",
        "Upgrade", "Expect", ""};

    private static final String[] HEADER_POOL = {
        "Content-Length: 0", "Content-Length: 5", "Content-Length: 40", "Content-Length: 5, 5", "Content-Length: +5",
        "Content-Length: 0x5", "Content-Length:  7 ", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding: chunked, gzip", "Transfer-Encoding: identity", "Transfer-Encoding : chunked",
        "Transfer-Encoding:\tchunked", " chunked", "\tfolded", "Host: evil", "Host:", "Expect: 100-continue",
        "TE: trailers", "Trailer: X", "Upgrade: h2c", "Keep-Alive: timeout=5", "Proxy-Connection: close",
        "X-Junk: a\0b", "X-Junk: a\rb", "X-Junk: a\nb", "X Junk: c", "X-Junk: \u00ff", ": empty-name", "X-Junk;: d",
        "Content-Type: text/plain", "X-Forwarded-For: 10.0.0.1"};

    private static final byte[] SPECIAL = {'\r', '\n', 0, ' ', '\t', ',', ':', ';', '0', '5', 'a', 'f', 'x', '-', '+',
        0x7F, (byte) 0xFF, 0x0B};

    /**
     * Ends every connection: it fills a body still being waited for, then is an invalid request
     * line, so the proxy answers 400 and closes -- a client that half-closed instead would see the
     * proxy drop the requests in flight, and one that just stopped would wait for a timeout.
     */
    static final byte[] END = ("\r\n" + "z".repeat(4000) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);

    /** One request before serialisation; {@code {len}} in a header stands for the body's length. */
    private static final class Req {
        String method;
        String target;
        String version = "HTTP/1.1";
        final List<String> headers = new ArrayList<>();
        byte[] body = new byte[0];
        boolean chunked;
        int chunkLie; // added to one chunk's declared size
        boolean chunkGarbage;
    }

    private RequestMutator() {
    }

    /** Returns the bytes of one connection; every target starts with {@code prefix}. */
    static byte[] connection(SplittableRandom rnd, String prefix) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int count = 1 + rnd.nextInt(3);
        for (int j = 0; j < count; j++) {
            Req req = base(rnd, prefix + j);
            int mutations = rnd.nextInt(4);
            for (int m = 0; m < mutations; m++) {
                mutate(rnd, req);
            }
            out.writeBytes(serialise(rnd, req));
        }
        byte[] bytes = out.toByteArray();
        int byteMutations = rnd.nextInt(10) < 4 ? 1 + rnd.nextInt(2) : 0;
        for (int m = 0; m < byteMutations; m++) {
            bytes = mutateBytes(rnd, bytes);
        }
        if (rnd.nextBoolean()) {
            // A clean request last: whoever lost sync with the client shows it here.
            bytes = concat(bytes, ("GET " + prefix + "end HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        }
        return concat(bytes, END);
    }

    private static Req base(SplittableRandom rnd, String target) {
        Req req = new Req();
        req.target = target;
        req.headers.add("Host: x");
        switch (rnd.nextInt(5)) {
            case 0 -> req.method = "GET";
            case 1 -> {
                req.method = "POST";
                req.body = body(rnd);
                req.headers.add("Content-Length: {len}");
            }
            case 2 -> {
                req.method = "POST";
                req.body = body(rnd);
                req.chunked = true;
                req.headers.add("Transfer-Encoding: chunked");
            }
            case 3 -> {
                req.method = "PUT";
                req.body = smuggle(rnd);
                req.headers.add("Content-Length: {len}");
            }
            default -> {
                req.method = "GET";
                req.version = "HTTP/1.0";
                req.headers.add("Connection: keep-alive");
            }
        }
        if (rnd.nextInt(4) == 0) {
            req.headers.add("X-Pad: " + "p".repeat(rnd.nextInt(20)));
        }
        return req;
    }

    private static byte[] body(SplittableRandom rnd) {
        int n = rnd.nextInt(24);
        byte[] b = new byte[n];
        String alphabet = "abcdefxyz0123456789 \r\n:;,";
        for (int i = 0; i < n; i++) {
            b[i] = (byte) alphabet.charAt(rnd.nextInt(alphabet.length()));
        }
        return b;
    }

    private static byte[] smuggle(SplittableRandom rnd) {
        String framing = switch (rnd.nextInt(3)) {
            case 0 -> "";
            case 1 -> "Content-Length: 0\r\n";
            default -> "Transfer-Encoding: chunked\r\n";
        };
        String tail = framing.startsWith("Transfer") ? "0\r\n\r\n" : "";
        return ("GET /SMUGGLED HTTP/1.1\r\nHost: evil\r\n" + framing + "\r\n" + tail).getBytes(StandardCharsets.ISO_8859_1);
    }

    private static void mutate(SplittableRandom rnd, Req req) {
        List<String> h = req.headers;
        switch (rnd.nextInt(9)) {
            case 0 -> h.add(rnd.nextInt(h.size() + 1), HEADER_POOL[rnd.nextInt(HEADER_POOL.length)]);
            case 1 -> {
                if (!h.isEmpty()) {
                    h.remove(rnd.nextInt(h.size()));
                }
            }
            case 2 -> {
                if (!h.isEmpty()) {
                    int at = rnd.nextInt(h.size());
                    h.add(at, h.get(at));
                }
            }
            case 3 -> flipFraming(rnd, req);
            case 4 -> {
                StringBuilder v = new StringBuilder();
                int tokens = 1 + rnd.nextInt(3);
                for (int t = 0; t < tokens; t++) {
                    v.append(t == 0 ? "" : rnd.nextBoolean() ? ", " : ",").append(CONNECTION_TOKENS[rnd.nextInt(CONNECTION_TOKENS.length)]);
                }
                h.add(rnd.nextInt(h.size() + 1), "Connection: " + v);
            }
            case 5 -> req.version = new String[] {"HTTP/1.0", "HTTP/1.1", "HTTP/9.9", "HTTP/2.0", "HTTP/1.2", "http/1.1"}[rnd.nextInt(6)];
            case 6 -> req.body = smuggle(rnd);
            case 7 -> {
                if (rnd.nextBoolean()) {
                    req.chunkLie = rnd.nextInt(7) - 3;
                } else {
                    req.chunkGarbage = true;
                }
            }
            default -> req.method = new String[] {"GET", "POST", "HEAD", "DELETE", "OPTIONS", "G\0T", "CONNECT"}[rnd.nextInt(7)];
        }
    }

    private static void flipFraming(SplittableRandom rnd, Req req) {
        req.headers.removeIf(x -> x.startsWith("Content-Length: {len}") || x.equals("Transfer-Encoding: chunked"));
        switch (rnd.nextInt(3)) {
            case 0 -> {
                req.chunked = false;
                req.headers.add("Content-Length: {len}");
            }
            case 1 -> {
                req.chunked = true;
                req.headers.add("Transfer-Encoding: chunked");
            }
            default -> req.chunked = false; // no framing: the body becomes what follows the head
        }
        if (req.body.length == 0) {
            req.body = body(rnd);
        }
    }

    private static byte[] serialise(SplittableRandom rnd, Req req) {
        StringBuilder head = new StringBuilder(req.method + " " + req.target + " " + req.version + "\r\n");
        for (String line : req.headers) {
            head.append(line.replace("{len}", String.valueOf(req.body.length))).append("\r\n");
        }
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (!req.chunked) {
            return concat(headBytes, req.body);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(headBytes);
        int at = 0;
        boolean lied = false;
        while (at < req.body.length) {
            int size = Math.min(req.body.length - at, 1 + rnd.nextInt(10));
            String sizeText = Integer.toHexString(size);
            if (!lied && (req.chunkLie != 0 || req.chunkGarbage)) {
                lied = true;
                sizeText = req.chunkGarbage
                        ? new String[] {"zz", "-1", "ffffffffffffffffff", "5 ;", "5;a\rb", " 5", "0x5"}[rnd.nextInt(7)]
                        : Integer.toHexString(Math.max(0, size + req.chunkLie));
            }
            String ext = rnd.nextInt(6) == 0 ? ";ext=1" : "";
            out.writeBytes((sizeText + ext + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(req.body, at, size);
            out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            at += size;
        }
        out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    private static byte[] mutateBytes(SplittableRandom rnd, byte[] b) {
        if (b.length == 0) {
            return b;
        }
        int at = rnd.nextInt(b.length);
        return switch (rnd.nextInt(3)) {
            case 0 -> {
                byte[] one = {rnd.nextInt(4) == 0 ? (byte) rnd.nextInt(256) : SPECIAL[rnd.nextInt(SPECIAL.length)]};
                yield concat(concat(slice(b, 0, at), one), slice(b, at, b.length));
            }
            case 1 -> concat(slice(b, 0, at), slice(b, at + 1, b.length));
            default -> {
                int end = Math.min(b.length, at + 1 + rnd.nextInt(12));
                yield concat(concat(slice(b, 0, end), slice(b, at, end)), slice(b, end, b.length));
            }
        };
    }

    private static byte[] slice(byte[] b, int from, int to) {
        byte[] s = new byte[to - from];
        System.arraycopy(b, from, s, 0, s.length);
        return s;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = new byte[a.length + b.length];
        System.arraycopy(a, 0, c, 0, a.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
