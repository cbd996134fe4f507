package org.pingora4j.proxy.interop;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.pingora4j.core.testing.TestCerts;

/** Command-line TLS clients and a kept-alive Java TLS client for the TLS listener's tests. */
final class Tools {

    private Tools() {
    }

    static boolean has(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(File.pathSeparator)) {
            if (new File(dir, command).canExecute()) {
                return true;
            }
        }
        return new File("/usr/bin/" + command).canExecute();
    }

    /** Runs {@code command} with {@code input} on its stdin; returns stdout and stderr together. */
    static String run(List<String> command, String input) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        process.getOutputStream().close();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(command + " did not finish in 30 s: " + out);
        }
        return out;
    }

    /**
     * GETs {@code https://api.example.com:port/} with curl, trusting the test CA, plus {@code extra}
     * arguments; returns {@code "<status> <body>"}, status {@code 000} when no response came.
     */
    static String curl(int port, String... extra) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-s", "--max-time", "10",
                "--cacert", TestCerts.file("ca.crt").toString(),
                "--resolve", "api.example.com:" + port + ":127.0.0.1",
                "-w", "\n%{http_code}", "https://api.example.com:" + port + "/"));
        command.addAll(List.of(extra));
        String out = run(command, "");
        int last = out.lastIndexOf('\n');
        return out.substring(last + 1).trim() + " " + out.substring(0, Math.max(0, last));
    }

    /** A TLS socket to 127.0.0.1:port asking for {@code serverName}, handshaken, trusting the test CA. */
    static SSLSocket tlsSocket(int port, String serverName) throws Exception {
        SSLSocket socket = (SSLSocket) TestCerts.clientContext().getSocketFactory().createSocket("127.0.0.1", port);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        socket.setSSLParameters(parameters);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    /** Sends a keep-alive GET on {@code socket} and returns the response (head and its Content-Length body). */
    static String get(SSLSocket socket, String path) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: api.example.com\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int b = in.read(); b >= 0 && matched < 4; b = matched == 4 ? -1 : in.read()) {
            head.write(b);
            matched = b == "\r\n\r\n".charAt(matched) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        int length = 0;
        for (String line : text.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        return text + new String(in.readNBytes(length), StandardCharsets.ISO_8859_1);
    }
}
