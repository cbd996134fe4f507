package org.pingora4j.proxy.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * What a client saw of one response, read off a raw socket by the framing the response declares,
 * so that a truncated response can be told from a complete one.
 *
 * @param status      the status code, or -1 if the connection failed before a full head
 * @param head        the head as received ("" if none)
 * @param bodyBytes   body bytes received
 * @param complete    whether the body is complete by its framing; a close-delimited body always
 *                    looks complete to a client, which is why a proxy must never turn a truncated
 *                    upstream body into one
 * @param closedAfter whether the proxy closed the connection (EOF or reset) right after what was read;
 *                    false if the connection stayed open (probed only when the body was incomplete
 *                    or {@code probeClose} was asked for)
 */
record RawResponse(int status, String head, long bodyBytes, boolean complete, boolean closedAfter) {

    /** Hooks while reading; the default does nothing. */
    interface Progress {
        Progress NONE = new Progress() {
        };

        /** The head arrived. */
        default void head(RawResponse soFar) throws IOException {
        }
    }

    /** Reads one response; probes for a close afterwards when it is incomplete or {@code probeClose}. */
    static RawResponse read(InputStream in, Progress progress, boolean probeClose) throws IOException {
        String head;
        try {
            head = readHead(in);
        } catch (SocketException e) {
            return new RawResponse(-1, "", 0, false, true);
        }
        if (head == null) {
            return new RawResponse(-1, "", 0, false, true);
        }
        int status = Integer.parseInt(head.substring(9, 12));
        progress.head(new RawResponse(status, head, 0, false, false));
        String lower = head.toLowerCase(Locale.ROOT);
        long declared = contentLength(lower);
        long received = 0;
        boolean complete;
        boolean eof = false;
        try {
            if (lower.contains("\r\ntransfer-encoding: chunked")) {
                long[] got = {0};
                complete = readChunked(in, got);
                received = got[0];
                eof = !complete;
            } else if (declared >= 0 || status == 204 || status == 304) {
                long want = Math.max(declared, 0);
                byte[] buffer = new byte[65536];
                while (received < want) {
                    int n = in.read(buffer, 0, (int) Math.min(buffer.length, want - received));
                    if (n < 0) {
                        eof = true;
                        break;
                    }
                    received += n;
                }
                complete = received == want;
            } else {
                // Close-delimited: complete-looking by definition once the close comes.
                received = drain(in);
                complete = true;
                eof = true;
            }
        } catch (SocketException e) {
            return new RawResponse(status, head, received, false, true);
        }
        boolean closed = eof;
        if (!eof && (!complete || probeClose)) {
            closed = closesWithin(in);
        }
        return new RawResponse(status, head, received, complete, closed);
    }

    /** Whether the next read sees EOF or a reset rather than the socket timeout. */
    static boolean closesWithin(InputStream in) throws IOException {
        try {
            drain(in);
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true;
        }
    }

    private static long drain(InputStream in) throws IOException {
        byte[] buffer = new byte[65536];
        long total = 0;
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            total += n;
        }
        return total;
    }

    private static long contentLength(String lowerHead) {
        int at = lowerHead.indexOf("\r\ncontent-length:");
        if (at < 0) {
            return -1;
        }
        int end = lowerHead.indexOf("\r\n", at + 2);
        return Long.parseLong(lowerHead.substring(at + "\r\ncontent-length:".length(), end).trim());
    }

    /** Reads a chunked body; true when the last chunk and the trailer end arrived. */
    private static boolean readChunked(InputStream in, long[] received) throws IOException {
        while (true) {
            String sizeLine = readLine(in);
            if (sizeLine == null) {
                return false;
            }
            int semicolon = sizeLine.indexOf(';');
            long size = Long.parseLong((semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim(), 16);
            if (size == 0) {
                String line;
                do {
                    line = readLine(in);
                    if (line == null) {
                        return false;
                    }
                } while (!line.isEmpty());
                return true;
            }
            for (long i = 0; i < size; i++) {
                if (in.read() < 0) {
                    return false;
                }
                received[0]++;
            }
            if (readLine(in) == null) {
                return false;
            }
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                String s = line.toString(StandardCharsets.ISO_8859_1);
                return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
            }
            line.write(b);
        }
        return null;
    }

    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            int n = head.size();
            if (n >= 4 && b == '\n') {
                byte[] bytes = head.toByteArray();
                if (bytes[n - 2] == '\r' && bytes[n - 3] == '\n' && bytes[n - 4] == '\r') {
                    String text = head.toString(StandardCharsets.ISO_8859_1);
                    // Skip interim 1xx responses: the final response is the one that counts.
                    if (text.startsWith("HTTP/1.1 1")) {
                        head.reset();
                        continue;
                    }
                    return text;
                }
            }
        }
        return null;
    }
}
