package org.pingora4j.proxy.hostile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An origin for memory measurements: it keeps nothing of what it receives, so the bytes a test
 * counts in the heap are the proxy's. One selector thread serves every connection (a thousand are
 * fine); per connection it keeps a few bytes of state.
 *
 * <p>It reads and drops everything, and answers only {@code GET /legit...} (a small 200). Every
 * other request is left unanswered: the proxy waits for the answer as long as its upstream read
 * timeout lets it, so a request for {@code /slow} is "an origin that answers slowly". A connection
 * that carries {@code /stall} is not read any more from that point: the origin neither reads nor
 * answers, and what the proxy writes to it piles up (a slow origin, a fast client). Its sockets
 * ask for small kernel buffers, so that little of what a test sends hides in them.
 *
 * <p>Matching is on the byte stream, not on parsed requests: the attacks a test sends never
 * contain {@code /legit} or {@code /stall} inside a body.
 */
final class SinkOrigin implements AutoCloseable {

    private static final byte[] LEGIT = "GET /legit".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] STALL = "/stall".getBytes(StandardCharsets.ISO_8859_1);
    private static final byte[] OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1);
    private static final int SMALL_BUFFER = 16 * 1024;

    private final Selector selector;
    private final ServerSocketChannel server;
    private final Thread thread;
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
    private final AtomicLong received = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger stalled = new AtomicInteger();
    private volatile boolean closing;

    /** What the origin remembers of one connection: how far it matched each marker, across reads. */
    private static final class Conn {
        int legitMatched;
        int stallMatched;
    }

    SinkOrigin() throws IOException {
        selector = Selector.open();
        server = ServerSocketChannel.open();
        server.setOption(StandardSocketOptions.SO_RCVBUF, SMALL_BUFFER); // inherited by accepted sockets
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        thread = new Thread(this::loop, "sink-origin-" + port());
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return ((InetSocketAddress) server.socket().getLocalSocketAddress()).getPort();
    }

    /** Returns {@code 127.0.0.1:port}. */
    String address() {
        return "127.0.0.1:" + port();
    }

    /** Bytes received over all connections. */
    long received() {
        return received.get();
    }

    /** Connections open now. */
    int openConnections() {
        return open.get();
    }

    /** Connections the origin stopped reading (they carried {@code /stall}). */
    int stalledConnections() {
        return stalled.get();
    }

    private void loop() {
        try {
            while (!closing) {
                selector.select(100);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (!key.isValid()) {
                        continue;
                    }
                    if (key.isAcceptable()) {
                        accept();
                    } else if (key.isReadable()) {
                        read(key);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            if (!closing) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private void accept() throws IOException {
        for (SocketChannel ch = server.accept(); ch != null; ch = server.accept()) {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, SMALL_BUFFER);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.register(selector, SelectionKey.OP_READ, new Conn());
            open.incrementAndGet();
        }
    }

    private void read(SelectionKey key) {
        SocketChannel ch = (SocketChannel) key.channel();
        Conn conn = (Conn) key.attachment();
        int n;
        try {
            readBuffer.clear();
            n = ch.read(readBuffer);
        } catch (IOException e) {
            n = -1;
        }
        if (n < 0) {
            drop(key);
            return;
        }
        received.addAndGet(n);
        for (int i = 0; i < n; i++) {
            byte b = readBuffer.get(i);
            conn.legitMatched = advance(LEGIT, conn.legitMatched, b);
            if (conn.legitMatched == LEGIT.length) {
                conn.legitMatched = 0;
                try {
                    ch.write(ByteBuffer.wrap(OK)); // a few bytes: the socket always takes them
                } catch (IOException e) {
                    drop(key);
                    return;
                }
            }
            conn.stallMatched = advance(STALL, conn.stallMatched, b);
            if (conn.stallMatched == STALL.length) {
                key.interestOps(0); // never read again: the proxy's writes pile up
                stalled.incrementAndGet();
                return;
            }
        }
    }

    /** One step of a naive matcher; enough for markers without a repeated prefix. */
    private static int advance(byte[] marker, int matched, byte b) {
        if (marker[matched] == b) {
            return matched + 1;
        }
        return marker[0] == b ? 1 : 0;
    }

    private void drop(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.decrementAndGet();
    }

    @Override
    public void close() throws IOException {
        closing = true;
        selector.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (SelectionKey key : selector.keys()) {
            key.channel().close();
        }
        selector.close();
        server.close();
    }
}
