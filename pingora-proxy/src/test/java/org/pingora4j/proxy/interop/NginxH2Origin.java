package org.pingora4j.proxy.interop;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A stock nginx (1.22 on Debian 12: {@code listen ... http2}, not yet the {@code http2 on;} of
 * 1.25.1) speaking HTTP/2 on a loopback port, configured entirely under a test directory: either
 * TLS (ALPN h2 or http/1.1, the test PKI's server certificate, {@link #startTls}) or cleartext h2c
 * with prior knowledge only ({@link #startH2c}). A second loopback port, {@link #http1Port()},
 * serves the same locations over plain HTTP/1.1 (and the status query). With TLS, a third one,
 * {@link #tlsHttp1Port()}, serves them over TLS without {@code http2}: its ALPN offers only
 * {@code http/1.1}, an HTTP/1.1-only TLS origin. Locations:
 * <ul>
 *   <li>{@code /small.txt} (2 KiB), {@code /big.txt} (1 MiB) and {@code /empty.txt} (0 B): static files
 *       ({@link Bodies#writeFiles})</li>
 *   <li>{@code /empty}: 204 No Content</li>
 *   <li>{@code /echo}: a text/plain list of {@code name=value} lines describing the request as nginx
 *       saw it (see {@link #echo}), e.g. {@code protocol=HTTP/2.0}, {@code cookie=a=1; b=2}</li>
 *   <li>{@code /echo-read}: {@code /echo} after nginx read the whole request body (proxied to {@code /echo}
 *       on {@link #http1Port()}): its {@code content_length} line is the number of body bytes nginx
 *       received, and {@code x-seen-protocol}, {@code x-seen-http2}, {@code x-seen-method} and
 *       {@code x-seen-content-length} headers say how the request itself arrived (nginx leaves out a
 *       header whose value is empty). {@code /echo} answers at once, without reading the body; over
 *       HTTP/2 it then resets the stream with {@code NO_ERROR} (RFC 9113 §8.1).</li>
 *   <li>{@code /upload/<name>}: WebDAV PUT into {@link #uploads}, to check uploaded bytes exactly</li>
 *   <li>{@code /status}: stub_status; {@link #acceptedConnections()} counts the connections accepted</li>
 * </ul>
 * The access log has one {@code PROTOCOL CONNECTION METHOD URI STATUS END DURATION} line per request
 * ({@code END}: when it ended, in seconds since the epoch to the millisecond; {@code DURATION}: how long
 * it took, in seconds to the millisecond, so requests that overlapped in time show), so requests
 * multiplexed on one connection share the connection number.
 */
final class NginxH2Origin implements AutoCloseable {

    /** The {@code /echo} answer's lines, {@code name=nginx variable}. */
    static final List<String> ECHO = List.of("method=$request_method", "uri=$request_uri",
            "protocol=$server_protocol", "scheme=$scheme", "http2=$http2", "host=$host", "http_host=$http_host",
            "te=$http_te", "cookie=$http_cookie", "content_length=$content_length", "content_type=$content_type",
            "connection=$connection", "connection_requests=$connection_requests");

    final Path dir;
    final Path root;
    final Path uploads;
    final TlsFiles tls;
    final OriginProcess process;
    private final int http1Port;
    private final int tlsHttp1Port;

    private NginxH2Origin(Path dir, TlsFiles tls, OriginProcess process, int http1Port, int tlsHttp1Port) {
        this.dir = dir;
        this.root = dir.resolve("www");
        this.uploads = dir.resolve("up");
        this.tls = tls;
        this.process = process;
        this.http1Port = http1Port;
        this.tlsHttp1Port = tlsHttp1Port;
    }

    /** Starts nginx with an h2-over-TLS listener (ALPN h2, http/1.1 too) under {@code dir}. */
    static NginxH2Origin startTls(Path dir) throws IOException {
        return start(dir, true);
    }

    /** Starts nginx with a cleartext h2c listener (prior knowledge only) under {@code dir}. */
    static NginxH2Origin startH2c(Path dir) throws IOException {
        return start(dir, false);
    }

    static NginxH2Origin start(Path dir, boolean useTls) throws IOException {
        Path nginx = RealServers.require("nginx");
        Bodies.writeFiles(dir.resolve("www"));
        Files.createDirectories(dir.resolve("up"));
        TlsFiles tls = useTls ? TlsFiles.write(dir) : null;
        int[] http1 = new int[2];
        OriginProcess process = OriginProcess.start(useTls ? "nginx-h2-tls" : "nginx-h2c", dir, port -> {
            Path conf = dir.resolve("nginx.conf");
            try {
                http1[0] = OriginProcess.freePort();
                http1[1] = tls == null ? -1 : OriginProcess.freePort();
                Files.writeString(conf, config(dir, port, http1[0], http1[1], tls), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return List.of(nginx.toString(), "-p", dir + "/", "-c", conf.toString(),
                    "-e", dir.resolve("error.log").toString());
        });
        return new NginxH2Origin(dir, tls, process, http1[0], http1[1]);
    }

    private static String config(Path dir, int port, int http1Port, int tlsHttp1Port, TlsFiles tls) {
        // As in NginxOrigin: as root, nginx would drop to nobody, who cannot write under a root-owned temp dir.
        String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
        String listen = tls == null
                ? "listen 127.0.0.1:%d http2;".formatted(port)
                : ("listen 127.0.0.1:%d ssl http2;\n    listen 127.0.0.1:%d ssl;\n    ssl_certificate %s;\n"
                        + "    ssl_certificate_key %s;").formatted(port, tlsHttp1Port, tls.cert(), tls.key());
        String echo = String.join("\\n", ECHO) + "\\n";
        return user + """
                daemon off;
                master_process on;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 1024; }
                http {
                  log_format h2 '$server_protocol $connection $request_method $request_uri $status $msec $request_time';
                  access_log %1$s/access.log h2;
                  client_body_temp_path %1$s/client_body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                  default_type text/plain;
                  client_max_body_size 4m;
                  server {
                    %2$s
                    listen 127.0.0.1:%3$d;
                    root %1$s/www;
                    location = /status { stub_status; }
                    location = /empty { return 204; }
                    location = /echo { return 200 "%4$s"; }
                    location = /echo-read {
                      proxy_pass http://127.0.0.1:%3$d/echo;
                      add_header x-seen-protocol $server_protocol always;
                      add_header x-seen-http2 $http2 always;
                      add_header x-seen-method $request_method always;
                      add_header x-seen-content-length $content_length always;
                    }
                    location /upload/ { alias %1$s/up/; dav_methods PUT; create_full_put_path on; }
                  }
                }
                """.formatted(dir, listen, http1Port, echo);
    }

    /** The HTTP/2 port (TLS or h2c). */
    int port() {
        return process.port;
    }

    /** The plain HTTP/1.1 port of the same server. */
    int http1Port() {
        return http1Port;
    }

    /** The TLS port without {@code http2} (ALPN {@code http/1.1} only); only with {@link #startTls}. */
    int tlsHttp1Port() {
        if (tls == null) {
            throw new IllegalStateException("no TLS listener: started with startH2c");
        }
        return tlsHttp1Port;
    }

    boolean isTls() {
        return tls != null;
    }

    /** Returns the HTTP/2 base URL, {@code https://127.0.0.1:<port>} or {@code http://127.0.0.1:<port>}. */
    String url() {
        return (isTls() ? "https" : "http") + "://127.0.0.1:" + port();
    }

    /** Parses an {@code /echo} answer into its lines' {@code name -> value} (in {@link #ECHO}'s order). */
    static Map<String, String> echo(String answer) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String line : answer.split("\n")) {
            int equals = line.indexOf('=');
            fields.put(line.substring(0, equals), line.substring(equals + 1));
        }
        return fields;
    }

    /** Returns the number of connections nginx accepted so far, from stub_status over HTTP/1.1 (this query's included). */
    long acceptedConnections() throws IOException {
        String[] lines = status();
        return Long.parseLong(lines[2].trim().split("\\s+")[0]);
    }

    /** Returns the number of client connections open at nginx now, from stub_status (this query's included). */
    long activeConnections() throws IOException {
        // "Active connections: 1 "
        return Long.parseLong(status()[0].substring("Active connections:".length()).trim());
    }

    private String[] status() throws IOException {
        try (RawHttp http = new RawHttp(http1Port)) {
            return http.exchange("GET", "/status", null).text().split("\n");
        }
    }

    /** Returns the access log's lines: {@code PROTOCOL CONNECTION METHOD URI STATUS END DURATION}. */
    List<String> accessLog() throws IOException {
        return Files.readAllLines(dir.resolve("access.log"), StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        process.close();
    }
}
