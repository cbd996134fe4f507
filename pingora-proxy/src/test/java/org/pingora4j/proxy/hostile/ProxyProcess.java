package org.pingora4j.proxy.hostile;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A proxy in a JVM of its own ({@link ProxyMain}), started from the test's classpath: its memory
 * is the proxy's alone (no attacker, no origin, no test harness in its heap), it runs with the
 * default JVM and Netty settings (no paranoid leak detection, no assertions), and it can be given
 * a small heap and die of it without taking the test with it.
 */
final class ProxyProcess implements AutoCloseable {

    private static final String JAVA = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    private static final int STDERR_LINES_KEPT = 200;

    private final Process process;
    private final Writer commands;
    private final BlockingQueue<String> out = new LinkedBlockingQueue<>();
    private final Deque<String> err = new ArrayDeque<>();
    private final int port;
    private volatile boolean outOfMemory;
    private volatile long outOfMemoryAt;

    /**
     * Starts the proxy in front of {@code originAddress} with the JVM options {@code jvmOptions}
     * (e.g. {@code -Xmx64m}); returns once it listens.
     */
    ProxyProcess(String originAddress, long upstreamReadTimeoutSeconds, String... jvmOptions) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(JAVA);
        command.addAll(List.of(jvmOptions));
        command.add("-cp");
        command.add(classpath());
        command.add(ProxyMain.class.getName());
        command.add(originAddress);
        command.add(Long.toString(upstreamReadTimeoutSeconds));
        process = new ProcessBuilder(command).start();
        commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        pump("proxy-stdout", new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)), true);
        pump("proxy-stderr", new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)), false);
        String first = next(30);
        for (int skipped = 0; first != null && !first.startsWith("LISTENING ") && skipped < 20; skipped++) {
            first = next(30); // what a JVM option prints first (a flight recording's start, say)
        }
        if (first == null || !first.startsWith("LISTENING ")) {
            close();
            throw new IOException("the proxy process did not start: " + first + "\n" + stderr());
        }
        port = Integer.parseInt(first.substring("LISTENING ".length()).trim());
    }

    /** The test classpath: surefire's and failsafe's real one rather than their booter jar. */
    private static String classpath() {
        String cp = System.getProperty("surefire.test.class.path");
        return cp != null && !cp.isBlank() ? cp : System.getProperty("java.class.path");
    }

    private void pump(String name, BufferedReader reader, boolean toQueue) {
        Thread t = new Thread(() -> {
            try {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    if (line.contains("OutOfMemoryError") && !outOfMemory) {
                        outOfMemoryAt = System.nanoTime();
                        outOfMemory = true;
                    }
                    if (toQueue) {
                        out.add(line);
                    } else {
                        synchronized (err) {
                            err.addLast(line);
                            if (err.size() > STDERR_LINES_KEPT) {
                                err.removeFirst();
                            }
                        }
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        }, name);
        t.setDaemon(true);
        t.start();
    }

    private String next(int seconds) {
        try {
            return out.poll(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    int port() {
        return port;
    }

    boolean alive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    /** Measures the proxy's held memory (full collections in the proxy's JVM); null if it cannot say. */
    HeldMemory.Snapshot measure() throws IOException {
        return measure(60);
    }

    /** {@link #measure()}, giving up (null) after {@code seconds}. */
    HeldMemory.Snapshot measure(int seconds) throws IOException {
        String reply = command("measure", seconds);
        if (reply == null || !reply.startsWith("HELD ")) {
            return null;
        }
        String[] f = reply.split(" ");
        return new HeldMemory.Snapshot(Long.parseLong(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]), Long.parseLong(f[4]));
    }

    /** Sends a command; returns its reply line, or null if none came within {@code seconds}. */
    String command(String command, int seconds) throws IOException {
        out.clear();
        commands.write(command + "\n");
        commands.flush();
        return next(seconds);
    }

    /** The last lines the proxy wrote to stderr (its log), for failure messages. */
    String stderr() {
        synchronized (err) {
            return String.join("\n", err);
        }
    }

    /** Whether the proxy wrote an OutOfMemoryError (a log line, a stack trace, a failed command). */
    boolean sawOutOfMemory() {
        return outOfMemory;
    }

    /** When (System.nanoTime()) the first OutOfMemoryError was seen; meaningful if {@link #sawOutOfMemory()}. */
    long outOfMemoryAt() {
        return outOfMemoryAt;
    }

    @Override
    public void close() {
        try {
            commands.close(); // ProxyMain exits at the end of stdin
        } catch (IOException ignored) {
            // gone already
        }
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
