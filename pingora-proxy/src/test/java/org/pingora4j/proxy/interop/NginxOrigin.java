package org.pingora4j.proxy.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A stock nginx on a loopback port, configured entirely under a test directory (no /etc, no
 * /var): {@code keepalive_timeout 1s; keepalive_requests 100}, so that pooled upstream connections
 * are closed by the origin all the time. Locations:
 * <ul>
 *   <li>{@code /get?id=N}: {@link Bodies#get}; {@code /post?id=N}: {@link Bodies#post} (body read and discarded);
 *       with {@code &close=1}, on a connection that carried an earlier request, the connection is closed
 *       instead of answered (nginx's 444): an origin that closes a reused connection on command</li>
 *   <li>{@code /empty}: 204; {@code /small.txt} (2 KiB) and {@code /big.txt} (1 MiB): static files with
 *       ETag and Last-Modified, hence 304 on a conditional GET</li>
 *   <li>{@code /chunked/<file>}: the same files through SSI, which drops the length: a chunked response</li>
 *   <li>{@code /upload/<name>}: WebDAV PUT into {@link #uploads}, to check uploaded bytes exactly</li>
 *   <li>{@code /status}: stub_status, to count the connections nginx accepted</li>
 * </ul>
 * The access log has one {@code METHOD ID STATUS} line per request.
 */
final class NginxOrigin implements AutoCloseable {

    final Path dir;
    final Path root;
    final Path uploads;
    final Path accessLog;
    final OriginProcess process;

    private NginxOrigin(Path dir, OriginProcess process) {
        this.dir = dir;
        this.root = dir.resolve("www");
        this.uploads = dir.resolve("up");
        this.accessLog = dir.resolve("access.log");
        this.process = process;
    }

    /** Writes the configuration and files under {@code dir} and starts nginx in the foreground. */
    static NginxOrigin start(Path dir) throws IOException {
        Path nginx = RealServers.require("nginx");
        Path root = Files.createDirectories(dir.resolve("www"));
        Files.createDirectories(dir.resolve("up"));
        Files.writeString(root.resolve("small.txt"), Bodies.PAD.repeat(2).substring(0, 2048),
                StandardCharsets.US_ASCII);
        Files.write(root.resolve("big.txt"), Bodies.letters(1));
        OriginProcess process = OriginProcess.start("nginx", dir, port -> {
            Path conf = dir.resolve("nginx.conf");
            try {
                Files.writeString(conf, config(dir, port), StandardCharsets.US_ASCII);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            // -e: the error log before the configuration is read; Debian's default is under /var/log.
            return List.of(nginx.toString(), "-p", dir + "/", "-c", conf.toString(),
                    "-e", dir.resolve("error.log").toString());
        });
        return new NginxOrigin(dir, process);
    }

    private static String config(Path dir, int port) {
        // nginx ignores "user" unless it runs as root; as root it would drop to nobody, who cannot
        // write the uploads under a root-owned temp dir.
        String user = "root".equals(System.getProperty("user.name")) ? "user root;\n" : "";
        return user + """
                daemon off;
                master_process on;
                worker_processes 1;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 1024; }
                http {
                  log_format ids '$request_method $arg_id $status';
                  access_log %1$s/access.log ids;
                  client_body_temp_path %1$s/client_body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                  keepalive_timeout 1s;
                  keepalive_requests 100;
                  default_type text/plain;
                  client_max_body_size 4m;
                  # close=1 on a request that arrives on a reused connection: close it unanswered (444).
                  map "$arg_close:$connection_requests" $close_reused {
                    "~^1:1$" 0;
                    "~^1:" 1;
                    default 0;
                  }
                  server {
                    listen 127.0.0.1:%2$d;
                    root %1$s/www;
                    location = /status { stub_status; }
                    location = /empty { return 204; }
                    location = /get { if ($close_reused) { return 444; } return 200 "get $arg_id\\n%3$s"; }
                    location = /post { if ($close_reused) { return 444; } return 200 "post $arg_id $content_length\\n"; }
                    location /chunked/ { alias %1$s/www/; ssi on; ssi_types *; }
                    location /upload/ { alias %1$s/up/; dav_methods PUT; create_full_put_path on; }
                  }
                }
                """.formatted(dir, port, Bodies.PAD.replace("\n", "\\n"));
    }

    int port() {
        return process.port;
    }

    /** Returns the number of connections nginx accepted so far, from stub_status (this query's included). */
    long acceptedConnections() throws IOException {
        try (RawHttp http = new RawHttp(port())) {
            RawHttp.Response status = http.exchange("GET", "/status", null);
            // "Active connections: 1 \nserver accepts handled requests\n 5 5 5 \n..."
            String[] lines = status.text().split("\n");
            return Long.parseLong(lines[2].trim().split("\\s+")[0]);
        }
    }

    /** Returns the access log's lines: {@code METHOD ID STATUS}. */
    List<String> accessLog() throws IOException {
        return Files.readAllLines(accessLog, StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
        process.close();
    }
}
