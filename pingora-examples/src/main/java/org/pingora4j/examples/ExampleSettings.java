package org.pingora4j.examples;

import io.netty.resolver.AddressResolverGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pingora4j.core.connectors.PeerResolver;
import org.pingora4j.core.protocols.HostPort;
import org.pingora4j.core.server.Opt;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.AccessLog;
import org.pingora4j.proxy.WarmUp;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Which example to run and where it proxies to and listens on, from the examples' one command line
 * ({@code java -jar pingora4j-examples.jar [EXAMPLE] [OPTIONS]}), so that it can be pointed at any
 * upstream without editing code. The defaults are the chapter's values; Pingora's own flags
 * ({@code -c}, {@code -t}, ...) are parsed into {@link Opt}.
 *
 * @param example the example to run ({@code pooled-proxy} unless named)
 * @param upstream the upstream address, {@code host:port}: the first of {@code upstreams}
 * @param upstreams every upstream given ({@code --upstream=A,B}: the load balancer's)
 * @param tls whether to speak TLS to it
 * @param sni the SNI to send and verify
 * @param caFile a CA to trust for the upstream instead of the system's, or null
 * @param listen where the proxy listens
 * @param resolve host names answered without DNS ({@code --resolve host=ip}, like curl's)
 * @param threads the proxy's event-loop threads ({@code --threads}; with {@code -c}, the file's)
 * @param metrics where to serve Prometheus metrics ({@code --metrics host:port}), or null: off
 * @param accessLog the built-in access log's format ({@code --access-log}), or null: off
 * @param warmUp whether the proxy warms up before it listens (on; {@code --no-warm-up} turns it off)
 * @param opt Pingora's flags
 */
public record ExampleSettings(Example example, String upstream, List<String> upstreams, boolean tls, String sni,
                              Path caFile, String listen, Map<String, InetAddress> resolve, int threads, String metrics,
                              AccessLog.Format accessLog, boolean warmUp, Opt opt) {

    /** The chapter's upstream. */
    public static final String CHAPTER_UPSTREAM = "api.example.com:443";
    /** The chapter's listening address. */
    public static final String CHAPTER_LISTEN = "0.0.0.0:8080";

    /** Returns the help text: the usage line, the examples, every flag (Pingora's too); one block. */
    public static String usage() {
        return ExamplesCommand.commandLine(new ExamplesCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    /**
     * Parses {@code args}; {@code -h} and {@code --version} are not acted on here (see
     * {@link Examples#run}).
     *
     * @throws IllegalArgumentException naming the bad flag or value
     */
    public static ExampleSettings parse(String... args) {
        ExamplesCommand command = new ExamplesCommand();
        try {
            ExamplesCommand.commandLine(command).parseArgs(args);
            return command.settings();
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Returns the upstream's host, for the Host header. */
    public String upstreamHost() {
        return HostPort.parse(upstream, 1).host();
    }

    /** Returns the upstream's port. */
    public int upstreamPort() {
        return HostPort.parse(upstream, 1).port();
    }

    /** Returns where to serve metrics, if {@code --metrics} was given. */
    public Optional<String> metricsAddress() {
        return Optional.ofNullable(metrics);
    }

    /** Returns the CA to trust for the upstream, or null for the system's trust store. */
    public CaCertificates ca() {
        return caFile == null ? null : CaCertificates.fromPemFile(caFile);
    }

    /**
     * Returns the peer for {@code address}, one of {@link #upstreams()}: over TLS unless
     * {@code --no-tls}, with {@code --sni} (or the address's host) and {@code --ca-file}.
     */
    public HttpPeer peer(String address) {
        if (!tls) {
            return HttpPeer.plain(address);
        }
        String name = address.equals(upstream) ? sni : HostPort.parse(address, 1).host();
        CaCertificates trust = ca();
        HttpPeer peer = HttpPeer.tls(address, name);
        return trust == null ? peer : peer.withOptions(o -> o.ca(trust));
    }

    /** Returns the built-in access log {@code --access-log} asks for (to the logger {@code access}), if any. */
    public Optional<AccessLog> newAccessLog() {
        return Optional.ofNullable(accessLog).map(format -> AccessLog.builder().format(format).toLogger("access").build());
    }

    /**
     * Returns the start-up warm-up: {@link WarmUp#defaults()} (up to 1.5 s before the listeners
     * open, so that the first clients do not wait for the JIT), or none with {@code --no-warm-up}.
     */
    public WarmUp warmUpOptions() {
        return warmUp ? WarmUp.defaults() : WarmUp.off();
    }

    /** Returns the resolver: {@link #resolve()} first, the system for the rest. */
    public AddressResolverGroup<InetSocketAddress> resolver() {
        return resolve.isEmpty() ? PeerResolver.system() : PeerResolver.withOverrides(resolve);
    }
}
