package org.pingora4j.proxy.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A stock HAProxy (2.6 on Debian 12) as an origin on a loopback port: it answers every request
 * itself ({@code http-request return}) with the same {@link Bodies} as {@link NginxOrigin}'s
 * {@code /get} and {@code /post}, closes keep-alive connections idle for one second, and logs
 * {@code METHOD URI STATUS} per request to its stdout (a file under the test directory). A request
 * with {@code close=1} that arrives on a connection that carried an earlier one is not answered: the
 * connection is closed ({@code http-request reject}), an origin that closes a reused connection on
 * command.
 */
final class HaproxyOrigin implements AutoCloseable {

    final OriginProcess process;

    private HaproxyOrigin(OriginProcess process) {
        this.process = process;
    }

    /** Writes the configuration under {@code dir} and starts HAProxy in the foreground ({@code -db}). */
    static HaproxyOrigin start(Path dir) throws IOException {
        Path haproxy = RealServers.require("haproxy");
        Path getBody = dir.resolve("get.lf");
        Files.writeString(getBody, "get %[url_param(id)]\n" + Bodies.PAD, StandardCharsets.US_ASCII);
        OriginProcess process = OriginProcess.start("haproxy", dir, port -> {
            Path conf = dir.resolve("haproxy.cfg");
            try {
                Files.writeString(conf, config(getBody, port), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return List.of(haproxy.toString(), "-db", "-f", conf.toString());
        });
        return new HaproxyOrigin(process);
    }

    private static String config(Path getBody, int port) {
        // http-buffer-request: the rules run once the whole body is in, so a POST is answered after it was read.
        return """
                global
                  log stdout format raw local0
                defaults
                  mode http
                  log global
                  log-format "%%HM %%HU %%ST"
                  timeout connect 5s
                  timeout client 10s
                  timeout server 10s
                  timeout http-request 10s
                  timeout http-keep-alive 1s
                frontend origin
                  bind 127.0.0.1:%2$d
                  maxconn 2000
                  option http-buffer-request
                  # close=1 on a connection that carried an earlier request (a session variable, which
                  # lives as long as the client connection): close it unanswered.
                  http-request reject if { url_param(close) -m str 1 } { var(sess.earlier) -m found }
                  http-request set-var(sess.earlier) bool(true)
                  http-request return status 200 content-type text/plain lf-string "post %%[url_param(id)] %%[req.body_len]\\n" if METH_POST
                  http-request return status 200 content-type text/plain lf-file %1$s
                """.formatted(getBody, port);
    }

    int port() {
        return process.port;
    }

    /** Returns the request log's lines, {@code METHOD ID STATUS} like nginx's (the URI reduced to its id). */
    List<String> accessLog() {
        return process.output().lines()
                .map(line -> line.split(" "))
                .filter(f -> f.length == 3 && f[1].contains("id="))
                .map(f -> f[0] + " " + f[1].substring(f[1].indexOf("id=") + 3).replaceFirst("&.*", "") + " " + f[2])
                .toList();
    }

    @Override
    public void close() {
        process.close();
    }
}
