package org.pingora4j.proxy.interop;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the real curl client, over HTTP/1.1 unless told otherwise, with every response's head and body
 * saved to files so that a test can check them byte for byte.
 */
final class Curl {

    /** One response head as curl received it: status and header lines with lower-case names. */
    record Head(int status, List<String[]> headers) {

        String header(String name) {
            for (String[] header : headers) {
                if (header[0].equals(name)) {
                    return header[1];
                }
            }
            return null;
        }

        boolean has(String name) {
            return header(name) != null;
        }
    }

    /** A finished transfer: every response head in order (interim 1xx ones first) and the body. */
    record Result(List<Head> heads, byte[] body, String stdout) {

        /** The final response's head. */
        Head last() {
            return heads.get(heads.size() - 1);
        }
    }

    private static final AtomicInteger RUNS = new AtomicInteger();

    private final Path curl;
    private final Path dir;
    private final List<String> protocol;

    /** A curl over HTTP/1.1 ({@code --http1.1}) keeping its files under {@code dir}. */
    Curl(Path dir) {
        this(dir, "--http1.1");
    }

    /** A curl that speaks as {@code protocol} says instead, e.g. {@code --http2-prior-knowledge}. */
    Curl(Path dir, String... protocol) {
        this.curl = RealServers.require("curl");
        this.dir = dir;
        this.protocol = List.of(protocol);
    }

    /** Runs {@code curl <protocol> <args> <url>} and returns what it received; fails if curl does. */
    Result run(String url, String... args) throws IOException, InterruptedException {
        int run = RUNS.incrementAndGet();
        Path heads = dir.resolve("curl-" + run + ".head");
        Path body = dir.resolve("curl-" + run + ".body");
        Path out = dir.resolve("curl-" + run + ".out");
        // -q first: no ~/.curlrc; --noproxy: an http_proxy in the environment must not reroute loopback.
        List<String> command = new ArrayList<>(List.of(curl.toString(), "-q"));
        command.addAll(protocol);
        command.addAll(List.of("--noproxy", "*", "-sS", "--max-time", "30", "-D", heads.toString(),
                "-o", body.toString()));
        command.addAll(List.of(args));
        command.add(url);
        Process process = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(out.toFile())
                .start();
        if (!process.waitFor(40, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            throw new AssertionError("curl " + command + " did not finish");
        }
        String stdout = Files.readString(out, StandardCharsets.ISO_8859_1);
        if (process.exitValue() != 0) {
            throw new AssertionError("curl " + command + " exited with " + process.exitValue() + ": " + stdout);
        }
        byte[] bodyBytes = Files.exists(body) ? Files.readAllBytes(body) : new byte[0];
        return new Result(parse(Files.readString(heads, StandardCharsets.ISO_8859_1)), bodyBytes, stdout);
    }

    private static List<Head> parse(String dump) {
        List<Head> heads = new ArrayList<>();
        for (String block : dump.split("\r\n\r\n")) {
            if (block.isBlank()) {
                continue;
            }
            String[] lines = block.strip().split("\r\n");
            int status = Integer.parseInt(lines[0].split(" ")[1]);
            List<String[]> headers = new ArrayList<>();
            for (int i = 1; i < lines.length; i++) {
                int colon = lines[i].indexOf(':');
                headers.add(new String[] {lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim()});
            }
            heads.add(new Head(status, headers));
        }
        return heads;
    }
}
