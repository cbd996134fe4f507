package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Finds where one HTTP/1.1 message of the warm-up ends, in the bytes as they arrive: its head, then
 * a {@code Content-Length} body or a chunked one. Only what the warm-up's own origin and clients
 * send passes here: bodies of {@code 'x'} bytes, so a chunked body ends at the first
 * {@code 0\r\n\r\n}, and one side sends nothing until the other has answered, so a message's
 * last byte is the last of a read. Deliberately not a Netty decoder: the warm-up must not teach the JIT a third
 * kind of {@code ByteToMessageDecoder} at the proxy's own call sites.
 */
final class WarmUpScanner {

    private static final int MAX_HEAD = 16 * 1024;
    private static final int CHUNKED_END = ('0' << 24) | ('\r' << 16) | ('\n' << 8) | '\r';

    private final byte[] head = new byte[MAX_HEAD];
    private int headLength;
    private boolean inBody;
    private boolean chunked;
    private long bodyLeft;
    private int window;
    private String startLine;

    /**
     * Consumes {@code in} up to the end of the current message, and returns whether it ended.
     *
     * @throws IllegalStateException if the head is longer than the warm-up ever sends
     */
    boolean feed(ByteBuf in) {
        while (in.isReadable()) {
            if (!inBody) {
                byte b = in.readByte();
                if (headLength == MAX_HEAD) {
                    throw new IllegalStateException("warm-up message head longer than " + MAX_HEAD + " bytes");
                }
                head[headLength++] = b;
                if (b == '\n' && headLength >= 4 && head[headLength - 2] == '\r' && head[headLength - 3] == '\n'
                        && head[headLength - 4] == '\r') {
                    parseHead();
                    if (!chunked && bodyLeft == 0) {
                        return true;
                    }
                }
            } else if (chunked) {
                // Nothing follows a message until the next request, so its last chunk ends a read:
                // only a read's last bytes need a look, and the window restarts where bytes were skipped.
                if (in.readableBytes() > 5) {
                    in.skipBytes(in.readableBytes() - 5);
                    window = 0;
                }
                byte b = in.readByte();
                if (window == CHUNKED_END && b == '\n') {
                    return true;
                }
                window = (window << 8) | (b & 0xff);
            } else {
                int take = (int) Math.min(bodyLeft, in.readableBytes());
                in.skipBytes(take);
                bodyLeft -= take;
                if (bodyLeft == 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The request or status line of the message just scanned. */
    String startLine() {
        return startLine;
    }

    /** Forgets the message just scanned, for the next one. */
    void reset() {
        headLength = 0;
        inBody = false;
        chunked = false;
        bodyLeft = 0;
        window = 0;
        startLine = null;
    }

    private void parseHead() {
        String text = new String(head, 0, headLength, StandardCharsets.ISO_8859_1);
        int lineEnd = text.indexOf("\r\n");
        startLine = text.substring(0, lineEnd);
        String lower = text.toLowerCase(Locale.ROOT);
        int cl = lower.indexOf("\r\ncontent-length:");
        if (cl >= 0) {
            int start = cl + "\r\ncontent-length:".length();
            bodyLeft = Long.parseLong(lower.substring(start, lower.indexOf("\r\n", start)).trim());
        }
        chunked = lower.contains("\r\ntransfer-encoding: chunked");
        // A response to nothing but a request with a body here; 1xx, 204 and 304 are never sent.
        inBody = true;
    }
}
