package org.pingora4j.proxy.hostile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Hostile clients on non-blocking sockets, all driven by one selector thread: each connection
 * writes its {@link Payload} as fast as the proxy reads it, then stays open, reading and dropping
 * whatever the proxy answers. A connection the proxy stops reading simply makes no progress; that
 * is the proxy defending itself, and only bytes the socket took count as sent.
 *
 * <p>Connections open at a bounded rate (so a thousand do not overflow the listen backlog). With
 * {@code reconnect}, a connection the proxy closed is replaced (after a short pause), so that the
 * attack keeps its size for as long as it runs: an attacker does not give up because one
 * connection was refused.
 *
 * <p>The client sockets ask for a small send buffer: bytes parked in a kernel buffer are counted
 * as sent but are not in the proxy, so a small buffer keeps "sent" close to "read by the proxy".
 */
final class Attack implements AutoCloseable {

    private static final int SEND_BUFFER = 32 * 1024;
    private static final int OPEN_PER_TICK = 50;
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private static final long RECONNECT_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final InetSocketAddress target;
    private final List<Payload> payloads;
    private final int connections;
    private final boolean reconnect;
    private final Selector selector;
    private final Thread thread;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong lastProgress = new AtomicLong(System.nanoTime());
    private final AtomicInteger opened = new AtomicInteger();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger finished = new AtomicInteger();
    private final AtomicInteger closedByProxy = new AtomicInteger();
    private final AtomicInteger connectFailures = new AtomicInteger();
    /** Connections that finished or ended, each counted once. */
    private final AtomicInteger done = new AtomicInteger();
    private final Map<String, AtomicInteger> statuses = new ConcurrentHashMap<>();
    private final ByteBuffer readBuffer = ByteBuffer.allocate(16 * 1024);
    private final List<Long> reopenAt = new ArrayList<>(); // selector thread only
    private volatile boolean stopping;

    /** One attacking connection's progress. */
    private static final class Conn {
        final Payload payload;
        long position;
        boolean statusSeen;
        boolean done;

        Conn(Payload payload) {
            this.payload = payload;
        }
    }

    private Attack(int port, List<Payload> payloads, int connections, boolean reconnect) throws IOException {
        this.target = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        this.payloads = List.copyOf(payloads);
        this.connections = connections;
        this.reconnect = reconnect;
        this.selector = Selector.open();
        this.thread = new Thread(this::loop, "attack-" + port);
        this.thread.setDaemon(true);
    }

    /** Starts {@code connections} connections, each sending one of {@code payloads} in turn. */
    static Attack start(int port, List<Payload> payloads, int connections, boolean reconnect) throws IOException {
        Attack attack = new Attack(port, payloads, connections, reconnect);
        attack.thread.start();
        return attack;
    }

    /** Bytes the sockets took, over all connections. */
    long sent() {
        return sent.get();
    }

    /** Connections opened so far (replacements included). */
    int opened() {
        return opened.get();
    }

    /** Connections open now. */
    int open() {
        return open.get();
    }

    /** Connections that wrote their whole payload. */
    int finished() {
        return finished.get();
    }

    /** Connections the proxy closed (or reset). */
    int closedByProxy() {
        return closedByProxy.get();
    }

    /** The statuses of the responses the proxy sent the attackers (the first on each connection). */
    Map<String, Integer> statuses() {
        Map<String, Integer> copy = new TreeMap<>();
        statuses.forEach((k, v) -> copy.put(k, v.get()));
        return copy;
    }

    /**
     * Waits until every connection opened and then either wrote its payload or made no progress
     * for {@code idle} (the proxy stopped reading), or until {@code max}. Returns whether the
     * attack became quiet before {@code max}.
     */
    boolean awaitQuiet(Duration idle, Duration max) {
        long end = System.nanoTime() + max.toNanos();
        while (System.nanoTime() - end < 0) {
            boolean allOpened = opened.get() >= connections;
            boolean allDone = done.get() >= connections;
            if (allOpened && (allDone || System.nanoTime() - lastProgress.get() > idle.toNanos())) {
                return true;
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        return false;
    }

    /** One line for a report. */
    String describe() {
        return "attack: " + connections + " connection(s) of " + payloads + ", sent " + sent.get() + " bytes, opened "
                + opened.get() + ", open " + open.get() + ", finished " + finished.get() + ", closed by proxy "
                + closedByProxy.get() + ", connect failures " + connectFailures.get() + ", statuses " + statuses();
    }

    private void loop() {
        int started = 0;
        long nextTick = System.nanoTime();
        try {
            while (!stopping) {
                long now = System.nanoTime();
                if (now - nextTick >= 0) {
                    nextTick = now + TICK_NANOS;
                    for (int i = 0; i < OPEN_PER_TICK && started < connections; i++) {
                        connect(payloads.get(started % payloads.size()));
                        started++;
                    }
                    for (int i = 0; i < OPEN_PER_TICK && !reopenAt.isEmpty() && now - reopenAt.get(0) >= 0; i++) {
                        reopenAt.remove(0);
                        connect(payloads.get(opened.get() % payloads.size()));
                    }
                }
                selector.select(started < connections || !reopenAt.isEmpty() ? 10 : 100);
                for (SelectionKey key : selector.selectedKeys()) {
                    if (key.isValid()) {
                        handle(key);
                    }
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (SelectionKey key : selector.keys()) {
                try {
                    key.channel().close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
            try {
                selector.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void connect(Payload payload) {
        SocketChannel ch = null;
        try {
            ch = SocketChannel.open();
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, SEND_BUFFER);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            opened.incrementAndGet();
            open.incrementAndGet();
            Conn conn = new Conn(payload);
            if (ch.connect(target)) {
                ch.register(selector, SelectionKey.OP_WRITE | SelectionKey.OP_READ, conn);
            } else {
                ch.register(selector, SelectionKey.OP_CONNECT, conn);
            }
        } catch (IOException e) {
            connectFailures.incrementAndGet();
            done.incrementAndGet();
            if (ch != null) {
                open.decrementAndGet();
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // failed anyway
                }
            }
            scheduleReopen();
        }
    }

    private void handle(SelectionKey key) {
        SocketChannel ch = (SocketChannel) key.channel();
        Conn conn = (Conn) key.attachment();
        try {
            if (key.isConnectable()) {
                ch.finishConnect();
                key.interestOps(SelectionKey.OP_WRITE | SelectionKey.OP_READ);
                return;
            }
            if (key.isReadable() && !drain(ch, conn)) {
                closedByProxy.incrementAndGet();
                close(key);
                return;
            }
            if (key.isValid() && key.isWritable()) {
                write(key, ch, conn);
            }
        } catch (IOException e) {
            // A reset, or a refused connect: the proxy is done with this connection.
            if (key.interestOps() == SelectionKey.OP_CONNECT) {
                connectFailures.incrementAndGet();
            } else {
                closedByProxy.incrementAndGet();
            }
            close(key);
        }
    }

    private void write(SelectionKey key, SocketChannel ch, Conn conn) throws IOException {
        long length = conn.payload.length();
        while (conn.position < length) {
            int n = ch.write(conn.payload.from(conn.position));
            if (n == 0) {
                return; // the socket is full: wait for the proxy to read
            }
            conn.position += n;
            sent.addAndGet(n);
            lastProgress.set(System.nanoTime());
        }
        finished.incrementAndGet();
        markDone(conn);
        key.interestOps(SelectionKey.OP_READ); // all sent: hold the connection open
    }

    /** Reads and drops what the proxy sent; returns false at the end of the stream. */
    private boolean drain(SocketChannel ch, Conn conn) throws IOException {
        readBuffer.clear();
        int n = ch.read(readBuffer);
        if (n < 0) {
            return false;
        }
        if (!conn.statusSeen && n >= 12) {
            conn.statusSeen = true;
            String status = new String(readBuffer.array(), 9, 3, StandardCharsets.ISO_8859_1);
            statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
        }
        return true;
    }

    private void markDone(Conn conn) {
        if (!conn.done) {
            conn.done = true;
            done.incrementAndGet();
        }
    }

    private void close(SelectionKey key) {
        markDone((Conn) key.attachment());
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // closing anyway
        }
        open.decrementAndGet();
        scheduleReopen();
    }

    private void scheduleReopen() {
        if (reconnect && !stopping) {
            reopenAt.add(System.nanoTime() + RECONNECT_PAUSE_NANOS);
        }
    }

    /** Closes every connection. */
    @Override
    public void close() {
        stopping = true;
        selector.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        open.set(0);
    }
}
