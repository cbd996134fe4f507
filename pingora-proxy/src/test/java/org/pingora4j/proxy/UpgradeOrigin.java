package org.pingora4j.proxy;

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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An origin on blocking loopback sockets that switches protocols the way a WebSocket server does,
 * without the WebSocket framing: for {@code /echo} it answers {@code 101} and then echoes every
 * byte until the client's end of input, which it answers with its own (half-close); {@code
 * /early} also sends {@link #EARLY} right behind the 101, in the same write; {@code /refuse}
 * answers {@code 426}; {@code /unasked} answers {@code 101} whatever the request; {@code /flood}
 * answers {@code 101} and then writes {@code floodBytes} without reading; anything else {@code 200
 * ok}. Every request head is kept, and so is every connection it accepted.
 */
final class UpgradeOrigin implements AutoCloseable {

    static final String EARLY = "early-bytes-of-the-new-protocol";

    final List<String> heads = new CopyOnWriteArrayList<>();
    final List<Socket> sockets = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    /** How many bytes {@code /flood} managed to write before its socket blocked for good (or all). */
    final AtomicInteger floodWritten = new AtomicInteger();
    volatile int floodBytes = 64 * 1024 * 1024;
    private volatile Thread floodThread;
    private final ServerSocket server;
    private final Thread acceptor;

    UpgradeOrigin() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = new Thread(this::accept, "upgrade-origin");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                connections.incrementAndGet();
                sockets.add(socket);
                Thread t = new Thread(() -> serve(socket), "upgrade-origin-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket) {
            InputStream in = socket.getInputStream();
            OutputStream out = socket.getOutputStream();
            while (true) {
                String head = readHead(in);
                if (head == null) {
                    return;
                }
                heads.add(head);
                String target = head.substring(head.indexOf(' ') + 1, head.indexOf(' ', head.indexOf(' ') + 1));
                String protocol = field(head, "upgrade");
                switch (target) {
                    case "/echo", "/early" -> {
                        String early = target.equals("/early") ? EARLY : "";
                        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: " + protocol
                                + "\r\nConnection: Upgrade\r\n\r\n" + early).getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        echo(socket, in, out);
                        return;
                    }
                    case "/unasked" -> {
                        out.write("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
                                .getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        echo(socket, in, out);
                        return;
                    }
                    case "/flood" -> {
                        floodThread = Thread.currentThread();
                        out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: " + protocol
                                + "\r\nConnection: Upgrade\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        byte[] chunk = new byte[16 * 1024];
                        for (int sent = 0; sent < floodBytes; sent += chunk.length) {
                            out.write(chunk);
                            floodWritten.addAndGet(chunk.length);
                        }
                        out.flush();
                        echo(socket, in, out);
                        return;
                    }
                    case "/refuse" -> out.write("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    default -> out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.ISO_8859_1));
                }
                out.flush();
            }
        } catch (IOException e) {
            // the proxy closed the connection
        }
    }

    /**
     * Whether {@code /flood}'s thread is inside a socket write (the JDK's blocking write, or its
     * park when the socket has a timeout). The caller pairs it with a count that did not move to
     * tell a blocked write from one passing through.
     */
    boolean floodInWrite() {
        Thread t = floodThread;
        if (t == null) {
            return false;
        }
        for (StackTraceElement frame : t.getStackTrace()) {
            if (frame.getClassName().endsWith("NioSocketImpl") && frame.getMethodName().equals("implWrite")) {
                return true;
            }
        }
        return false;
    }

    /** Echoes until the end of input, then ends its own output. */
    private static void echo(Socket socket, InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
            out.write(buffer, 0, n);
            out.flush();
        }
        socket.shutdownOutput();
    }

    /** The value of {@code name} in {@code head} (lower-case name), or null. */
    static String field(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /** Reads one request head, byte by byte (nothing past it is consumed); null at the end of input. */
    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b = in.read(); b >= 0; b = in.read()) {
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == 4) {
                return head.toString(StandardCharsets.ISO_8859_1);
            }
        }
        return null;
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
