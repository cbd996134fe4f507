package org.pingora4j.proxy.interop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Debian's {@code nghttpd} (nghttp2's HTTP/2-only server, package nghttp2-server) as an origin on a
 * loopback port, serving a doc root under the test directory: {@code /small.txt} (2 KiB) and
 * {@code /big.txt} (1 MiB, {@link Bodies#letters}(1)), the same files as {@link NginxOrigin}. Either
 * TLS (ALPN h2, the test PKI's server certificate, {@link #tls}) or cleartext h2c with prior
 * knowledge only ({@code --no-tls}: an HTTP/1.1 request or an h2c upgrade gets no HTTP answer). A
 * POST or PUT is answered with its own body ({@code --echo-upload}).
 */
final class NghttpdOrigin implements AutoCloseable {

    final Path root;
    final TlsFiles tls;
    final OriginProcess process;

    private NghttpdOrigin(Path root, TlsFiles tls, OriginProcess process) {
        this.root = root;
        this.tls = tls;
        this.process = process;
    }

    /** Starts nghttpd over TLS in the foreground, configured under {@code dir}. */
    static NghttpdOrigin startTls(Path dir) throws IOException {
        return start(dir, true);
    }

    /** Starts nghttpd over cleartext h2c (prior knowledge) in the foreground, configured under {@code dir}. */
    static NghttpdOrigin startH2c(Path dir) throws IOException {
        return start(dir, false);
    }

    static NghttpdOrigin start(Path dir, boolean useTls) throws IOException {
        Path nghttpd = RealServers.require("nghttpd");
        Path root = Bodies.writeFiles(dir.resolve("www"));
        TlsFiles tls = useTls ? TlsFiles.write(dir) : null;
        OriginProcess process = OriginProcess.start(useTls ? "nghttpd-tls" : "nghttpd-h2c", dir, port -> {
            List<String> command = new ArrayList<>(List.of(nghttpd.toString(), "--address=127.0.0.1",
                    "--htdocs=" + root, "--echo-upload"));
            if (useTls) {
                command.addAll(List.of(Integer.toString(port), tls.key().toString(), tls.cert().toString()));
            } else {
                command.addAll(List.of("--no-tls", Integer.toString(port)));
            }
            return command;
        });
        return new NghttpdOrigin(root, tls, process);
    }

    int port() {
        return process.port;
    }

    boolean isTls() {
        return tls != null;
    }

    /** Returns the base URL, {@code https://127.0.0.1:<port>} or {@code http://127.0.0.1:<port>}. */
    String url() {
        return (isTls() ? "https" : "http") + "://127.0.0.1:" + port();
    }

    @Override
    public void close() {
        process.close();
    }
}
