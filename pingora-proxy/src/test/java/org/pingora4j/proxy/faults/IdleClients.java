package org.pingora4j.proxy.faults;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The client side of the idle keep-alive scenario, run as a separate JVM so that its descriptors do
 * not count against the test JVM's limit (10 000 connections are 20 000 descriptors in one process,
 * the whole `ulimit -n`). Opens connections to the proxy, sends one request on each and keeps it
 * open; reports on stdout and takes commands on stdin:
 * <pre>
 *   (start)  -> READY ok=N failed=M millis=T
 *   again    -> AGAIN ok=N failed=M millis=T   (a second request on every connection)
 *   close    -> CLOSED                         (closes every connection, then exits)
 * </pre>
 * Exits too when stdin ends, so it never outlives the test.
 */
public final class IdleClients {

    private IdleClients() {
    }

    /** Arguments: proxy port, connection count, threads. */
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        Socket[] sockets = new Socket[count];
        System.out.println("READY " + round(sockets, port, threads, true));
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String command = commands.readLine(); command != null; command = commands.readLine()) {
            if (command.equals("again")) {
                System.out.println("AGAIN " + round(sockets, port, threads, false));
            } else if (command.equals("close")) {
                break;
            }
        }
        for (Socket socket : sockets) {
            if (socket != null) {
                socket.close();
            }
        }
        System.out.println("CLOSED");
    }

    /** One request on every connection (opening it first if {@code open}), split over threads. */
    private static String round(Socket[] sockets, int port, int threads, boolean open) throws InterruptedException {
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        long start = System.nanoTime();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            Thread worker = new Thread(() -> {
                for (int i = first; i < sockets.length; i += threads) {
                    try {
                        if (open) {
                            sockets[i] = new Socket(InetAddress.getLoopbackAddress(), port);
                            sockets[i].setSoTimeout(10_000);
                        }
                        sockets[i].getOutputStream().write(("GET /idle/" + i + " HTTP/1.1\r\nHost: origin\r\n\r\n")
                                .getBytes(StandardCharsets.ISO_8859_1));
                        RawResponse response = RawResponse.read(sockets[i].getInputStream(), RawResponse.Progress.NONE, false);
                        if (response.status() == 200 && response.complete()) {
                            ok.incrementAndGet();
                        } else {
                            failed.incrementAndGet();
                        }
                    } catch (IOException | RuntimeException e) {
                        failed.incrementAndGet();
                    }
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
        return "ok=" + ok + " failed=" + failed + " millis=" + (System.nanoTime() - start) / 1_000_000;
    }
}
