package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The warm-up's messages, encoded once and shared by every connection of one run: the requests its
 * clients send in turn and the origin's answers. A mix of what a proxy meets: small and 2 KiB
 * answers most often, uploads with a body, chunked answers, and now and then 64 KiB, which fills
 * the socket buffers and takes the writability path. The origin ends a connection now and then
 * ({@code Connection: close}), so that the copy's connector opens upstream connections too, not only
 * its listener accepts them.
 */
final class WarmUpTraffic implements AutoCloseable {

    private static final String[] REQUEST_PATHS = {"/s", "/2k", "/s", "/chunked", "/s", "/2k", "upload", "/s"};
    private static final int LARGE_EVERY = 64;

    private final ByteBuf[] requests = new ByteBuf[REQUEST_PATHS.length];
    private final ByteBuf largeRequest;
    private final ByteBuf small = response(64, false);
    private final ByteBuf medium = response(2048, false);
    private final ByteBuf large = response(64 * 1024, false);
    private final ByteBuf chunked = response(4096, true);
    private final ByteBuf closing = ascii("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            + "Connection: close\r\nContent-Length: 64\r\n\r\n" + body(64));

    WarmUpTraffic() {
        for (int i = 0; i < REQUEST_PATHS.length; i++) {
            requests[i] = "upload".equals(REQUEST_PATHS[i]) ? upload(1024) : get(REQUEST_PATHS[i]);
        }
        largeRequest = get("/64k");
    }

    /** The {@code n}th request of the run (a new buffer sharing the encoded bytes). */
    ByteBuf request(long n) {
        ByteBuf encoded = n % LARGE_EVERY == LARGE_EVERY - 1 ? largeRequest : requests[(int) (n % requests.length)];
        return encoded.retainedDuplicate();
    }

    /** A request for the largest answer, the one a leaving client abandons (it takes the longest). */
    ByteBuf largeRequest() {
        return largeRequest.retainedDuplicate();
    }

    /** The origin's answer to the request whose start line is {@code requestLine}. */
    ByteBuf response(String requestLine) {
        ByteBuf encoded;
        if (requestLine.startsWith("GET /2k ")) {
            encoded = medium;
        } else if (requestLine.startsWith("GET /64k ")) {
            encoded = large;
        } else if (requestLine.startsWith("GET /chunked ")) {
            encoded = chunked;
        } else {
            encoded = small;
        }
        return encoded.retainedDuplicate();
    }

    /** An answer after which the origin closes the connection, as origins with a keep-alive limit do. */
    ByteBuf closingResponse() {
        return closing.retainedDuplicate();
    }

    @Override
    public void close() {
        for (ByteBuf b : requests) {
            b.release();
        }
        largeRequest.release();
        small.release();
        medium.release();
        large.release();
        chunked.release();
        closing.release();
    }

    private static ByteBuf get(String path) {
        return ascii("GET " + path + " HTTP/1.1\r\nHost: warm-up.pingora4j\r\nUser-Agent: pingora4j-warm-up\r\n"
                + "Accept: */*\r\n\r\n");
    }

    private static ByteBuf upload(int size) {
        return ascii("POST /upload HTTP/1.1\r\nHost: warm-up.pingora4j\r\nUser-Agent: pingora4j-warm-up\r\n"
                + "Content-Type: application/octet-stream\r\nContent-Length: " + size + "\r\n\r\n" + body(size));
    }

    private static ByteBuf response(int size, boolean chunkedBody) {
        if (chunkedBody) {
            int half = size / 2;
            String chunk = Integer.toHexString(half) + "\r\n" + body(half) + "\r\n";
            return ascii("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + chunk + chunk + "0\r\n\r\n");
        }
        return ascii("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: " + size + "\r\n\r\n"
                + body(size));
    }

    private static String body(int size) {
        char[] x = new char[size];
        Arrays.fill(x, 'x');
        return new String(x);
    }

    private static ByteBuf ascii(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.directBuffer(bytes.length).writeBytes(bytes);
    }
}
