package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.pingora4j.proxy.hostile.StrictHttp.Message;

/**
 * An origin on 127.0.0.1 that speaks raw TCP: it records every byte each connection carries and
 * parses that stream with {@link StrictHttp} in {@link StrictHttp.Mode#STRICT strict} mode, so a
 * test sees exactly which requests arrived, and whether the proxy's bytes framed them cleanly.
 * It answers every request with a small {@code 200} (or what the {@link Responder} says) and
 * keeps the connection. A parse error is recorded, answered with 400, and the connection closed.
 *
 * <p>Blocking sockets on plain threads: independent of Netty, which the proxy under test uses.
 */
final class RawOrigin implements AutoCloseable {

    /** A header on the origin's own 400, so a test can tell it from a 400 of the proxy. */
    static final String PARSE_ERROR_MARK = "X-Raw-Origin-Parse-Error";

    /** What the origin writes for a request, whether it closes after, and whether the bytes are one clean response. */
    record Reply(byte[] bytes, boolean close, boolean clean) {

        static Reply ok(String body) {
            return ok(body, false);
        }

        /** A 200 with {@code body}, whose bytes are left out when answering a HEAD. */
        static Reply ok(String body, boolean head) {
            return new Reply(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + (head ? "" : body))
                    .getBytes(StandardCharsets.ISO_8859_1), false, true);
        }
    }

    /** Decides the reply to a parsed request. Called on the connection's thread. */
    interface Responder {
        Reply reply(Message request, long seq);
    }

    /** A request the test allows to arrive: method, one of some targets, body, and (if not null) the Host. */
    record Want(String method, Set<String> targets, String body, String host) {

        static Want of(String method, String target) {
            return new Want(method, Set.of(target), "", null);
        }

        static Want of(String method, String target, String body) {
            return new Want(method, Set.of(target), body, null);
        }

        boolean matches(Message m) {
            List<String> hosts = m.all("host");
            return method.equals(m.method()) && targets.contains(m.target()) && body.equals(m.bodyText())
                    && (host == null || hosts.equals(List.of(host)));
        }
    }

    /** A request as it arrived, in the order of all arrivals. */
    record Arrival(int connection, long seq, Message request) {
    }

    /** One upstream connection the proxy opened. */
    static final class Conn {
        final int id;
        final Socket socket;
        private byte[] data = new byte[4096];
        private int length;
        final List<Message> requests = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> ended = new CompletableFuture<>();
        volatile String parseError;
        /** Bytes left at the end that are a valid but unfinished message (an aborted request). */
        volatile int incompleteTail;
        /** Set when a request arrived after this origin wrote a reply that was not one clean response. */
        volatile String reusedAfterDirtyReply;
        private volatile boolean dirty;
        /** The target of the request whose reply was not one clean response. */
        volatile String dirtyReplyTo;

        Conn(int id, Socket socket) {
            this.id = id;
            this.socket = socket;
        }

        synchronized byte[] bytes() {
            return Arrays.copyOf(data, length);
        }

        private synchronized void append(byte[] b, int n) {
            if (length + n > data.length) {
                data = Arrays.copyOf(data, Math.max(data.length * 2, length + n));
            }
            System.arraycopy(b, 0, data, length, n);
            length += n;
        }

        @Override
        public String toString() {
            byte[] b = bytes();
            String shown = StrictHttp.escape(b, 0, Math.min(b.length, 3000)) + (b.length > 3000 ? "...(" + b.length + " bytes)" : "");
            return "origin connection #" + id + ": requests=" + requests
                    + (parseError != null ? ", PARSE ERROR: " + parseError : "")
                    + (incompleteTail > 0 ? ", unfinished message at EOF: " + incompleteTail + " bytes" : "")
                    + (reusedAfterDirtyReply != null ? ", REUSED AFTER A DIRTY REPLY: " + reusedAfterDirtyReply : "")
                    + "\n    bytes: " + shown;
        }
    }

    private final ServerSocket server;
    private final List<Conn> connections = new CopyOnWriteArrayList<>();
    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final AtomicLong seq = new AtomicLong();
    private volatile Responder responder =
            (request, n) -> Reply.ok("origin saw " + request.target(), request.method().equals("HEAD"));
    private volatile boolean closing;

    RawOrigin() throws IOException {
        server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "raw-origin-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
        threads.add(acceptor);
        acceptor.start();
    }

    /** Returns {@code 127.0.0.1:port}. */
    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    /** Replaces the default responder (a 200 naming the target). */
    void responder(Responder value) {
        responder = value;
    }

    /** Returns the sequence number of the last request parsed so far (0 before the first). */
    long lastSeq() {
        return seq.get();
    }

    List<Conn> connections() {
        return List.copyOf(connections);
    }

    List<Arrival> arrivals() {
        return List.copyOf(arrivals);
    }

    private void acceptLoop() {
        int ids = 0;
        while (!closing) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                return; // closed
            }
            Conn conn = new Conn(++ids, socket);
            connections.add(conn);
            Thread reader = new Thread(() -> serve(conn), "raw-origin-conn-" + conn.id);
            reader.setDaemon(true);
            threads.add(reader);
            reader.start();
        }
    }

    private void serve(Conn conn) {
        int parsed = 0;
        boolean stopParsing = false;
        try (Socket socket = conn.socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            byte[] chunk = new byte[16 * 1024];
            for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
                conn.append(chunk, n);
                byte[] all = conn.bytes();
                while (!stopParsing && parsed < all.length) {
                    StrictHttp.Result r = StrictHttp.request(all, parsed, all.length, StrictHttp.Mode.STRICT);
                    if (r instanceof StrictHttp.Parsed p) {
                        parsed = p.end();
                        Message request = p.message();
                        long s = seq.incrementAndGet();
                        conn.requests.add(request);
                        arrivals.add(new Arrival(conn.id, s, request));
                        if (conn.dirty && conn.reusedAfterDirtyReply == null) {
                            conn.reusedAfterDirtyReply = request.method() + " " + request.target();
                        }
                        Reply reply = responder.reply(request, s);
                        out.write(reply.bytes());
                        out.flush();
                        if (!reply.clean() && !conn.dirty) {
                            conn.dirty = true;
                            conn.dirtyReplyTo = request.target();
                        }
                        if (reply.close()) {
                            stopParsing = true;
                            socket.shutdownOutput();
                        }
                    } else if (r instanceof StrictHttp.Failed f) {
                        conn.parseError = f.why() + " at byte " + f.at();
                        stopParsing = true;
                        out.write(("HTTP/1.1 400 Bad Request\r\n" + PARSE_ERROR_MARK + ": 1\r\nContent-Length: 0\r\n"
                                + "Connection: close\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        socket.shutdownOutput();
                    } else {
                        break;
                    }
                }
            }
            byte[] all = conn.bytes();
            if (!stopParsing && parsed < all.length) {
                conn.incompleteTail = all.length - parsed;
            }
        } catch (IOException e) {
            byte[] all = conn.bytes();
            if (!stopParsing && parsed < all.length) {
                conn.incompleteTail = all.length - parsed;
            }
        } finally {
            conn.ended.complete(null);
        }
    }

    /** Waits (bounded) until every connection the proxy opened has ended: close the proxy first. */
    void awaitAllEnded() {
        try {
            CompletableFuture.allOf(connections.stream().map(c -> c.ended).toArray(CompletableFuture[]::new))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            fail("origin connections still open 10 s after the proxy closed: " + describe(), e);
        }
    }

    /**
     * Asserts, once every connection ended, that nothing was smuggled: no parse error, no bytes
     * left over, no request whose target names SMUGGLED, every request one of {@code allowed}
     * (each used at most once), and no request on a connection after a reply that was not clean.
     */
    void assertNoSmuggledRequest(Want... allowed) {
        check(false, allowed);
    }

    /**
     * Like {@link #assertNoSmuggledRequest}, but a connection may end inside an unfinished request:
     * a proxy that found a client's body malformed after it forwarded the head aborts that way.
     */
    void assertNoSmuggledRequestAllowingAbort(Want... allowed) {
        check(true, allowed);
    }

    private void check(boolean allowAbort, Want... allowed) {
        awaitAllEnded();
        List<Want> left = new ArrayList<>(List.of(allowed));
        List<String> problems = new ArrayList<>();
        for (Conn conn : connections) {
            if (conn.parseError != null) {
                problems.add("connection #" + conn.id + " did not parse: " + conn.parseError);
            }
            if (conn.incompleteTail > 0 && !allowAbort) {
                problems.add("connection #" + conn.id + " ended with " + conn.incompleteTail + " unparsed bytes");
            }
            if (conn.reusedAfterDirtyReply != null) {
                problems.add("connection #" + conn.id + " was reused after a reply with extra bytes: "
                        + conn.reusedAfterDirtyReply);
            }
            for (Message m : conn.requests) {
                if (m.target().toUpperCase(Locale.ROOT).contains("SMUGGLED")) {
                    problems.add("SMUGGLED request arrived: " + m);
                    continue;
                }
                Want match = left.stream().filter(w -> w.matches(m)).findFirst().orElse(null);
                if (match == null) {
                    problems.add("unexpected request arrived: " + m);
                } else {
                    left.remove(match);
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(String.join("\n", problems) + "\n" + describe());
        }
    }

    /** Asserts that exactly one arrived request matches {@code want}. */
    void assertArrivedOnce(Want want) {
        long n = arrivals.stream().filter(a -> want.matches(a.request())).count();
        if (n != 1) {
            fail(n + " requests matching " + want + " arrived, expected 1\n" + describe());
        }
    }

    /** Everything every connection received, for failure messages. */
    String describe() {
        StringBuilder s = new StringBuilder("origin " + address() + " saw " + connections.size() + " connection(s):");
        for (Conn conn : connections) {
            s.append("\n  ").append(conn);
        }
        return s.toString();
    }

    @Override
    public void close() throws IOException {
        closing = true;
        server.close();
        for (Conn conn : connections) {
            conn.socket.close();
        }
        for (Thread t : threads) {
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
