package org.pingora4j.proxy.hostile;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates one upstream response for the response fuzz: a valid response (Content-Length,
 * chunked, or delimited by the close) mutated the ways a broken or hostile origin answers -- framing
 * headers duplicated, combined, listed or signed, chunk sizes lied about, interim responses,
 * odd status lines, bare LF, and extra bytes after the body (another response, or garbage) on a
 * connection the origin keeps open. Deterministic for a given random.
 */
final class ResponseMutator {

    /** The bytes and whether the origin closes the connection after them. */
    record Planned(byte[] bytes, boolean closeAfter) {
    }

    private static final String[] HEADER_POOL = {
        "Content-Length: 3", "Content-Length: {len}", "Content-Length: {len}, {len}", "Content-Length: +{len}",
        "Content-Length: 0", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding: chunked, gzip", "Transfer-Encoding: identity", "Connection: close",
        "Connection: Content-Length", "Connection: Transfer-Encoding", "Connection: keep-alive", " folded",
        "X-J: a\0b", "Transfer-Encoding : chunked", "Content-Length : {len}", "Keep-Alive: timeout=1", "X-J: a\rb"};

    private static final String[] EXTRA = {
        "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED", "HTTP/1.1 200 OK\r\n\r\n", "garbage", "\r\n", "0\r\n\r\n"};

    private static final byte[] SPECIAL = {'\r', '\n', 0, ' ', '\t', ',', ':', ';', '0', '5', 'f', 'x'};

    private ResponseMutator() {
    }

    static Planned response(SplittableRandom rnd) {
        int[] statuses = {200, 200, 200, 200, 404, 500, 204, 304};
        int status = statuses[rnd.nextInt(statuses.length)];
        String statusLine = "HTTP/1.1 " + status + " " + (status == 200 ? "OK" : "Status");
        byte[] body = body(rnd);
        int framing = rnd.nextInt(20);
        boolean chunked = framing >= 10 && framing < 17;
        boolean closeDelimited = framing >= 17;
        List<String> headers = new ArrayList<>();
        if (!chunked && !closeDelimited) {
            headers.add("Content-Length: {len}");
        } else if (chunked) {
            headers.add("Transfer-Encoding: chunked");
        }
        headers.add("X-Origin: raw");
        String interim = "";
        String extra = "";
        int chunkLie = 0;
        boolean chunkGarbage = false;
        boolean bareLf = false;
        int mutations = rnd.nextInt(4);
        for (int m = 0; m < mutations; m++) {
            switch (rnd.nextInt(8)) {
                case 0 -> headers.add(rnd.nextInt(headers.size() + 1), HEADER_POOL[rnd.nextInt(HEADER_POOL.length)]);
                case 1 -> headers.remove(rnd.nextInt(headers.size()));
                case 2 -> headers.add(headers.get(rnd.nextInt(headers.size())));
                case 3 -> extra = EXTRA[rnd.nextInt(EXTRA.length)];
                case 4 -> {
                    if (rnd.nextBoolean()) {
                        chunkLie = rnd.nextInt(7) - 3;
                    } else {
                        chunkGarbage = true;
                    }
                }
                case 5 -> interim = rnd.nextBoolean() ? "HTTP/1.1 100 Continue\r\n\r\n" : "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n";
                case 6 -> statusLine = new String[] {"HTTP/1.1 200", "HTTP/1.0 200 OK", "HTTP/1.1 2000 OK", "HTTP/2 200 OK",
                    "ICY 200 OK", "HTTP/1.1 099 Low"}[rnd.nextInt(6)];
                default -> bareLf = true;
            }
            if (headers.isEmpty()) {
                headers.add("X-Origin: raw");
            }
        }
        StringBuilder head = new StringBuilder(interim).append(statusLine).append("\r\n");
        for (String h : headers) {
            head.append(h.replace("{len}", String.valueOf(body.length))).append("\r\n");
        }
        head.append("\r\n");
        String headText = bareLf ? head.toString().replace("\r\n", "\n") : head.toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(headText.getBytes(StandardCharsets.ISO_8859_1));
        if (chunked) {
            int at = 0;
            boolean lied = false;
            while (at < body.length) {
                int size = Math.min(body.length - at, 1 + rnd.nextInt(8));
                String sizeText = Integer.toHexString(size);
                if (!lied && (chunkLie != 0 || chunkGarbage)) {
                    lied = true;
                    sizeText = chunkGarbage ? new String[] {"zz", "-1", "ffffffffffffffffff", "5;a\rb", "0x5"}[rnd.nextInt(5)]
                            : Integer.toHexString(Math.max(0, size + chunkLie));
                }
                out.writeBytes((sizeText + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(body, at, size);
                out.writeBytes("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                at += size;
            }
            out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        } else {
            out.writeBytes(body);
        }
        out.writeBytes(extra.getBytes(StandardCharsets.ISO_8859_1));
        byte[] bytes = out.toByteArray();
        boolean byteMutated = rnd.nextInt(10) < 3;
        if (byteMutated) {
            bytes = mutateBytes(rnd, bytes);
        }
        // Kept open only where the extra bytes are the point and the response before them is whole;
        // otherwise the close ends whatever the proxy still waits for.
        boolean keepOpen = !closeDelimited && !byteMutated && !extra.isEmpty() && rnd.nextInt(10) < 7
                && StrictHttp.response(bytes, 0, bytes.length, false, false) instanceof StrictHttp.Parsed;
        return new Planned(bytes, !keepOpen);
    }

    private static byte[] body(SplittableRandom rnd) {
        if (rnd.nextInt(8) == 0) {
            return "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED".getBytes(StandardCharsets.ISO_8859_1);
        }
        int n = rnd.nextInt(20);
        byte[] b = new byte[n];
        String alphabet = "abcxyz0123456789\r\n ";
        for (int i = 0; i < n; i++) {
            b[i] = (byte) alphabet.charAt(rnd.nextInt(alphabet.length()));
        }
        return b;
    }

    private static byte[] mutateBytes(SplittableRandom rnd, byte[] b) {
        int at = rnd.nextInt(b.length);
        byte[] out;
        switch (rnd.nextInt(3)) {
            case 0 -> {
                out = new byte[b.length + 1];
                System.arraycopy(b, 0, out, 0, at);
                out[at] = rnd.nextInt(4) == 0 ? (byte) rnd.nextInt(256) : SPECIAL[rnd.nextInt(SPECIAL.length)];
                System.arraycopy(b, at, out, at + 1, b.length - at);
            }
            case 1 -> {
                out = new byte[b.length - 1];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + 1, out, at, b.length - at - 1);
            }
            default -> {
                int end = Math.min(b.length, at + 1 + rnd.nextInt(10));
                out = new byte[b.length + end - at];
                System.arraycopy(b, 0, out, 0, end);
                System.arraycopy(b, at, out, end, b.length - at);
            }
        }
        return out;
    }
}
