package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.pingora4j.proxy.hostile.StrictHttp.Message;

/**
 * One client connection to the proxy that writes raw bytes and reads the proxy's responses with
 * {@link StrictHttp}: every response must be correctly framed, and nothing may follow the last one
 * unless asked for. Every wait is bounded by the socket's 10 s read timeout.
 */
final class RawClient implements AutoCloseable {

    /** What a connection that must be closed is sent to tell "closed" from "left open". */
    static final String PROBE = "GET /probe-after-error HTTP/1.1\r\nHost: x\r\n\r\n";

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private byte[] buf = new byte[8192];
    private int length;
    private int consumed;
    private boolean eof;
    private boolean allowCut;
    private boolean cut;

    RawClient(int port) throws IOException {
        socket = new Socket(InetAddress.getLoopbackAddress(), port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    RawClient send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawClient send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Returns the client side's port, which the proxy reports to the origin. */
    int localPort() {
        return socket.getLocalPort();
    }

    /** Half-closes: the proxy sees the end of the request stream after the bytes sent. */
    void shutdownOutput() throws IOException {
        socket.shutdownOutput();
    }

    /**
     * Reads the next response; null if the proxy closed the connection before sending any byte of
     * one. Fails on a malformed response or one cut short.
     */
    Message read(boolean head) throws IOException {
        while (true) {
            if (consumed < length) {
                StrictHttp.Result r = StrictHttp.response(buf, consumed, length, head, eof);
                if (r instanceof StrictHttp.Parsed p) {
                    consumed = p.end();
                    return p.message();
                }
                if (r instanceof StrictHttp.Failed f) {
                    fail("the proxy sent a malformed response: " + f.why() + " at " + f.at() + ": " + received());
                }
                if (eof) {
                    if (allowCut) {
                        cut = true;
                        return null;
                    }
                    fail("the proxy closed the connection inside a response: " + received());
                }
            } else if (eof) {
                return null;
            }
            fill();
        }
    }

    /**
     * Like {@link #read}, but a response cut short by the close also answers null (see
     * {@link #wasCut()}): once a proxy sent a head, closing is all it can do about a broken body.
     */
    Message readAllowingCut(boolean head) throws IOException {
        allowCut = true;
        try {
            return read(head);
        } finally {
            allowCut = false;
        }
    }

    /** Returns whether the last {@link #readAllowingCut} met a response cut short by the close. */
    boolean wasCut() {
        return cut;
    }

    /** Returns whether the proxy closed the connection (as far as read so far). */
    boolean closedByPeer() {
        return eof;
    }

    /** Reads a response that must be there. */
    Message expectResponse(boolean head) throws IOException {
        Message m = read(head);
        if (m == null) {
            fail("the proxy closed the connection without a response");
        }
        return m;
    }

    /** Reads what arrives within {@code millis}; returns whether the proxy has closed the connection. */
    boolean closedWithin(int millis) throws IOException {
        socket.setSoTimeout(millis);
        try {
            while (!eof) {
                fill();
            }
        } catch (SocketTimeoutException notYet) {
            // still open
        } finally {
            socket.setSoTimeout(10_000);
        }
        return eof;
    }

    /** Reads until the proxy closes; true if it did, false if the read failed (a reset counts as closed). */
    boolean readToEnd() throws IOException {
        try {
            while (!eof) {
                fill();
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /**
     * Asserts that the proxy closed this connection after the response just read: nothing follows
     * it, and a request sent now is neither answered nor left waiting.
     */
    void assertClosed() throws IOException {
        if (consumed < length) {
            fail("bytes after the error response: " + received());
        }
        if (!eof) {
            try {
                send(PROBE);
            } catch (IOException e) {
                return; // reset: closed
            }
            try {
                fill(); // one read: bytes, EOF or a reset
            } catch (SocketTimeoutException e) {
                fail("the connection was left open after the error response (no close within 10 s): " + received());
            }
        }
        if (consumed < length) {
            fail("the connection was left open after the error response; the proxy answered a request sent after it: "
                    + received());
        }
    }

    private void fill() throws IOException {
        if (length == buf.length) {
            buf = Arrays.copyOf(buf, buf.length * 2);
        }
        int n;
        try {
            n = in.read(buf, length, buf.length - length);
        } catch (SocketTimeoutException e) {
            throw e;
        } catch (IOException e) {
            n = -1; // a reset: the proxy is gone
        }
        if (n < 0) {
            eof = true;
        } else {
            length += n;
        }
    }

    /** Everything received on this connection, escaped. */
    String received() {
        return "\"" + StrictHttp.escape(buf, 0, length) + "\"" + (eof ? " then EOF" : "");
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
