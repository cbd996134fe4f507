package org.pingora4j.proxy.interop;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A real server process started by a test on a loopback port, with its output in a file under the
 * test's directory. Stopped by its PID: the process and everything it forked must be gone.
 */
final class OriginProcess implements AutoCloseable {

    private static final Duration START_LIMIT = Duration.ofSeconds(10);
    private static final int START_ATTEMPTS = 3;

    final String name;
    final int port;
    private final Process process;
    private final Path output;

    private OriginProcess(String name, int port, Process process, Path output) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.output = output;
    }

    /**
     * Picks a free loopback port, lets {@code configure} write the configuration for it and return
     * the command line, starts that in the foreground and waits until the port answers. A port taken
     * by someone else between the pick and the bind makes the server exit; then it tries another.
     */
    static OriginProcess start(String name, Path dir, IntFunction<List<String>> configure) throws IOException {
        IOException last = null;
        for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
            int port = freePort();
            List<String> command = configure.apply(port);
            Path output = dir.resolve(name + ".out");
            Process process = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            OriginProcess origin = new OriginProcess(name, port, process, output);
            try {
                origin.awaitListening();
                return origin;
            } catch (IOException e) {
                origin.close();
                last = e;
            }
        }
        throw last;
    }

    /** Returns a loopback port that was free a moment ago (a server binding it may still lose a race). */
    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private void awaitListening() throws IOException {
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException(name + " exited with " + process.exitValue() + " before listening on "
                        + port + ":\n" + output());
            }
            try (Socket probe = new Socket()) {
                probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
                return;
            } catch (IOException notYet) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IOException(name + " not listening on " + port + " within " + START_LIMIT + ":\n"
                            + output(), notYet);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
            }
        }
    }

    /** Returns what the server wrote to stdout and stderr so far. */
    String output() {
        try {
            return Files.readString(output, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Terminates the server by PID, forcibly if it ignores SIGTERM, and checks that it and its workers are gone. */
    @Override
    public void close() {
        List<ProcessHandle> all = Stream.concat(Stream.of(process.toHandle()), process.descendants()).toList();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
            for (ProcessHandle handle : all) {
                if (handle.isAlive()) {
                    handle.destroyForcibly();
                    handle.onExit().get(5, TimeUnit.SECONDS);
                }
            }
        } catch (Exception e) {
            throw new AssertionError("could not stop " + name + " (pid " + process.pid() + ")", e);
        }
        for (ProcessHandle handle : all) {
            if (handle.isAlive()) {
                throw new AssertionError(name + " process " + handle.pid() + " is still running");
            }
        }
    }
}
