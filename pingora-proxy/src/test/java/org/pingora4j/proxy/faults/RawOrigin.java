package org.pingora4j.proxy.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP origin on 127.0.0.1 whose behaviour per request the test scripts, down to the bytes and
 * the way the connection ends (FIN, RST, silence). One thread per connection, which is fine for the
 * few upstream connections a fault scenario makes, and makes a script a plain sequence of blocking
 * steps.
 */
final class RawOrigin implements AutoCloseable {

    /** What the origin does with one request; the connection serves the next request unless the script ends it. */
    interface Script {
        void serve(Exchange exchange) throws Exception;
    }

    /** One request on one origin connection. */
    static final class Exchange {
        final Socket socket;
        final String method;
        final String path;
        final Map<String, String> headers;
        final InputStream in;
        final OutputStream out;
        private boolean ended;

        Exchange(Socket socket, String method, String path, Map<String, String> headers) throws IOException {
            this.socket = socket;
            this.method = method;
            this.path = path;
            this.headers = headers;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /** The request's Content-Length, 0 if none. */
        long contentLength() {
            return Long.parseLong(headers.getOrDefault("content-length", "0").trim());
        }

        /** Reads up to {@code n} body bytes and returns how many came before EOF. */
        long readBody(long n) throws IOException {
            byte[] buffer = new byte[8192];
            long read = 0;
            while (read < n) {
                int r = in.read(buffer, 0, (int) Math.min(buffer.length, n - read));
                if (r < 0) {
                    break;
                }
                read += r;
            }
            return read;
        }

        void write(String bytes) throws IOException {
            write(bytes.getBytes(StandardCharsets.ISO_8859_1));
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** A complete keep-alive response with a Content-Length body. */
        void reply(int status, String body) throws IOException {
            write("HTTP/1.1 " + status + " X\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
        }

        /** Ends the connection with a TCP reset (SO_LINGER 0), discarding anything unsent. */
        void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
            ended = true;
        }

        /** Ends the connection with a FIN. */
        void close() throws IOException {
            socket.close();
            ended = true;
        }

        /** Never answers: blocks reading until the peer closes, then closes too. */
        void stall() throws IOException {
            readBody(Long.MAX_VALUE);
            close();
        }
    }

    private final ServerSocket server;
    private final Script script;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger accepted = new AtomicInteger();
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<Throwable> scriptErrors = new CopyOnWriteArrayList<>();

    RawOrigin(Script script) throws IOException {
        this.script = script;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread acceptor = new Thread(this::acceptLoop, "raw-origin-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    int accepted() {
        return accepted.get();
    }

    /** Connections open now (not yet ended by either side as seen by the origin). */
    int openConnections() {
        return open.size();
    }

    /** Request lines received, in order ("GET /path"). */
    List<String> requests() {
        return List.copyOf(requests);
    }

    /** What scripts threw other than the I/O errors a fault produces. */
    List<Throwable> scriptErrors() {
        return List.copyOf(scriptErrors);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                accepted.incrementAndGet();
                open.add(socket);
                Thread t = new Thread(() -> serve(socket), "raw-origin-conn-" + accepted.get());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                String[] lines = head.split("\r\n");
                String[] requestLine = lines[0].split(" ");
                Map<String, String> headers = new ConcurrentHashMap<>();
                for (int i = 1; i < lines.length; i++) {
                    int colon = lines[i].indexOf(':');
                    if (colon > 0) {
                        headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                lines[i].substring(colon + 1).trim());
                    }
                }
                requests.add(requestLine[0] + " " + requestLine[1]);
                Exchange exchange = new Exchange(socket, requestLine[0], requestLine[1], headers);
                script.serve(exchange);
                if (exchange.ended) {
                    return;
                }
            }
        } catch (IOException e) {
            // The fault under test or the proxy closing: the connection is over either way.
        } catch (Exception | AssertionError e) {
            scriptErrors.add(e);
        } finally {
            open.remove(socket);
        }
    }

    /** Reads a request head up to the blank line; null on EOF before any byte. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        if (head.size() > 0) {
            throw new IOException("EOF inside a request head");
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket socket : open) {
            socket.close();
        }
    }
}
