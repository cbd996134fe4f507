package org.pingora4j.examples;

import io.netty.resolver.AddressResolverGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.pingora4j.core.connectors.PeerResolver;
import org.pingora4j.core.protocols.HostPort;
import org.pingora4j.core.server.Opt;
import org.pingora4j.core.upstreams.CaCertificates;

/**
 * Where an example proxies to and listens on, from its command line, so that it can be pointed at
 * any upstream without editing code. The defaults are the chapter's values; Pingora's own flags
 * ({@code -c}, {@code -t}, ...) pass through to {@link Opt}.
 *
 * @param upstream the upstream address, {@code host:port}
 * @param tls whether to speak TLS to it
 * @param sni the SNI to send and verify
 * @param caFile a CA to trust for the upstream instead of the system's, or null
 * @param listen where the proxy listens
 * @param resolve host names answered without DNS ({@code --resolve host=ip}, like curl's)
 * @param opt the remaining, Pingora, flags
 */
public record ExampleSettings(String upstream, boolean tls, String sni, Path caFile, String listen,
                              Map<String, InetAddress> resolve, Opt opt) {

    /** The chapter's upstream. */
    public static final String CHAPTER_UPSTREAM = "api.example.com:443";
    /** The chapter's listening address. */
    public static final String CHAPTER_LISTEN = "0.0.0.0:8080";

    /** Returns the usage text. */
    public static String usage() {
        return """
                Example options (defaults are the chapter's):
                  --upstream HOST:PORT   upstream to proxy to           (api.example.com:443)
                  --sni NAME             TLS server name                 (the upstream's host)
                  --no-tls               speak plain HTTP to the upstream
                  --ca-file PATH         trust this CA for the upstream  (the system's trust store)
                  --listen ADDR:PORT     where the proxy listens         (0.0.0.0:8080)
                  --resolve HOST=IP      answer HOST without DNS (repeatable)
                Pingora options:
                """ + Opt.usage();
    }

    /**
     * Parses {@code args}.
     *
     * @throws IllegalArgumentException naming the bad flag or value
     */
    public static ExampleSettings parse(String... args) {
        String upstream = CHAPTER_UPSTREAM;
        String sni = null;
        boolean tls = true;
        Path caFile = null;
        String listen = CHAPTER_LISTEN;
        Map<String, InetAddress> resolve = new LinkedHashMap<>();
        List<String> rest = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--upstream" -> upstream = HostPort.parse(value(args, ++i, arg), 1).toString();
                case "--sni" -> sni = value(args, ++i, arg);
                case "--no-tls" -> tls = false;
                case "--ca-file" -> caFile = Path.of(value(args, ++i, arg));
                case "--listen" -> listen = HostPort.parse(value(args, ++i, arg), 0).toString();
                case "--resolve" -> {
                    String entry = value(args, ++i, arg);
                    int eq = entry.indexOf('=');
                    if (eq <= 0) {
                        throw new IllegalArgumentException("--resolve: \"" + entry + "\" (expected: HOST=IP)");
                    }
                    resolve.put(entry.substring(0, eq).toLowerCase(java.util.Locale.ROOT), ipLiteral(entry.substring(eq + 1)));
                }
                default -> rest.add(arg);
            }
        }
        if (sni == null) {
            sni = HostPort.parse(upstream, 1).host();
        }
        return new ExampleSettings(upstream, tls, sni, caFile, listen, Map.copyOf(resolve),
                Opt.parse(rest.toArray(new String[0])));
    }

    /** Returns the upstream's host, for the Host header. */
    public String upstreamHost() {
        return HostPort.parse(upstream, 1).host();
    }

    /** Returns the CA to trust for the upstream, or null for the system's trust store. */
    public CaCertificates ca() {
        return caFile == null ? null : CaCertificates.fromPemFile(caFile);
    }

    /** Returns the resolver: {@link #resolve()} first, the system for the rest. */
    public AddressResolverGroup<InetSocketAddress> resolver() {
        return resolve.isEmpty() ? PeerResolver.system() : PeerResolver.withOverrides(resolve);
    }

    private static String value(String[] args, int i, String flag) {
        if (i >= args.length) {
            throw new IllegalArgumentException(flag + ": missing value\n" + usage());
        }
        return args[i];
    }

    private static InetAddress ipLiteral(String ip) {
        byte[] bytes = io.netty.util.NetUtil.createByteArrayFromIpAddressString(ip);
        if (bytes == null) {
            throw new IllegalArgumentException("--resolve: \"" + ip + "\" (expected: an IP address)");
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("--resolve: \"" + ip + "\"", e);
        }
    }
}
