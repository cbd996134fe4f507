package org.pingora4j.bench.e2e;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The command line shared by the end-to-end benchmark's JVM proxies, so that {@code e2e/run.sh}
 * starts both the same way.
 *
 * <pre>--listen 127.0.0.1:P --upstream 127.0.0.1:U [--threads N] [--pool N] [--tls --ca FILE --sni NAME]
 *     [--host HOST] [--work-dir DIR] [--metrics HOST:PORT]
 *     [--tls-listen 127.0.0.1:T --cert FILE --key FILE] [--h2c] [--h2-upstream] [--stats HOST:PORT]
 *     [--no-warm-up]</pre>
 *
 * <p>The options of the second line are pingora4j's only (the HTTP/2 shapes); Reactor Netty's
 * proxy ignores them.
 *
 * @param listen where the proxy listens, host:port
 * @param upstream the origin, host:port
 * @param threads event loops
 * @param pool the pool size to configure, 0 for the library's default
 * @param tls whether the upstream speaks TLS
 * @param ca the trust root for the upstream's certificate, if TLS
 * @param sni the server name sent to and verified against the upstream
 * @param host the Host header sent upstream
 * @param workDir where the proxy may write its own files (pid file, upgrade socket)
 * @param metrics where to serve Prometheus metrics (pingora4j only); empty: metrics off
 * @param tlsListen where to listen for TLS as well (ALPN {@code h2, http/1.1}), host:port; empty: no
 *     TLS listener
 * @param cert the TLS listener's PEM certificate chain
 * @param key the TLS listener's PEM (PKCS#8) private key
 * @param h2c whether the plain listener also accepts HTTP/2 with prior knowledge
 * @param h2Upstream whether to speak HTTP/2 to the upstream (h2c with prior knowledge on a plain
 *     upstream, ALPN {@code h2} over TLS)
 * @param stats where to serve the connector's counters as text (pingora4j only); empty: not served
 * @param warmUp whether pingora4j warms up before it listens ({@code WarmUp.defaults()}, as the
 *     examples ship); {@code --no-warm-up} starts it cold
 */
public record ProxyArgs(String listen, String upstream, int threads, int pool, boolean tls,
        Optional<Path> ca, String sni, String host, Path workDir, Optional<String> metrics,
        Optional<String> tlsListen, Optional<Path> cert, Optional<Path> key, boolean h2c, boolean h2Upstream,
        Optional<String> stats, boolean warmUp) {

    /**
     * Parses {@code args}.
     *
     * @throws IllegalArgumentException on an unknown option, a missing value, a missing
     *     {@code --listen}/{@code --upstream}, or {@code --tls-listen} without {@code --cert} and
     *     {@code --key}
     */
    public static ProxyArgs parse(String... args) {
        String listen = null;
        String upstream = null;
        int threads = 1;
        int pool = 0;
        boolean tls = false;
        Path ca = null;
        String sni = "localhost";
        String host = "api.example.com";
        Path workDir = Path.of(System.getProperty("java.io.tmpdir"));
        String metrics = null;
        String tlsListen = null;
        Path cert = null;
        Path key = null;
        boolean h2c = false;
        boolean h2Upstream = false;
        String stats = null;
        boolean warmUp = true;
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (name.equals("--tls")) {
                tls = true;
                continue;
            }
            if (name.equals("--h2c")) {
                h2c = true;
                continue;
            }
            if (name.equals("--no-warm-up")) {
                warmUp = false;
                continue;
            }
            if (name.equals("--h2-upstream")) {
                h2Upstream = true;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + name);
            }
            String value = args[++i];
            switch (name) {
                case "--listen" -> listen = value;
                case "--upstream" -> upstream = value;
                case "--threads" -> threads = Integer.parseInt(value);
                case "--pool" -> pool = Integer.parseInt(value);
                case "--ca" -> ca = Path.of(value);
                case "--sni" -> sni = value;
                case "--host" -> host = value;
                case "--work-dir" -> workDir = Path.of(value);
                case "--metrics" -> metrics = value;
                case "--tls-listen" -> tlsListen = value;
                case "--cert" -> cert = Path.of(value);
                case "--key" -> key = Path.of(value);
                case "--stats" -> stats = value;
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (listen == null || upstream == null) {
            throw new IllegalArgumentException("--listen and --upstream are required");
        }
        if (tlsListen != null && (cert == null || key == null)) {
            throw new IllegalArgumentException("--tls-listen needs --cert and --key");
        }
        return new ProxyArgs(listen, upstream, threads, pool, tls, Optional.ofNullable(ca), sni, host, workDir,
                Optional.ofNullable(metrics), Optional.ofNullable(tlsListen), Optional.ofNullable(cert),
                Optional.ofNullable(key), h2c, h2Upstream, Optional.ofNullable(stats), warmUp);
    }

    /** The host part of a host:port address. */
    static String hostOf(String address) {
        return address.substring(0, address.lastIndexOf(':'));
    }

    /** The port part of a host:port address. */
    static int portOf(String address) {
        return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
    }
}
