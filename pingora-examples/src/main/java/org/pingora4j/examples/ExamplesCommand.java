package org.pingora4j.examples;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import io.netty.util.NetUtil;
import org.pingora4j.core.protocols.HostPort;
import org.pingora4j.core.server.OptMixin;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.proxy.AccessLog;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Help;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The examples' one command line: which example, where it points, and Pingora's server flags
 * through {@link OptMixin}, with one help text. Filled by picocli; {@link #settings()} makes the
 * immutable {@link ExampleSettings} from it.
 */
@Command(name = "pingora4j-examples", sortOptions = false,
        customSynopsis = "java -jar pingora4j-examples.jar [EXAMPLE] [OPTIONS]",
        description = "Runs one of the connection-pool chapter's examples.",
        optionListHeading = "%nOptions (the defaults are the chapter's; Pingora's server flags last):%n",
        versionProvider = ExamplesCommand.Version.class)
final class ExamplesCommand {

    static final String EXAMPLE_LIST = "exampleList";

    @Spec
    private CommandSpec spec;

    @Mixin
    private OptMixin server = new OptMixin();

    private Example example = Example.POOLED_PROXY;
    private List<String> upstreams;
    private String sni;
    private String listen = ExampleSettings.CHAPTER_LISTEN;
    private Integer threads;
    private String metrics;
    private AccessLog.Format accessLog;

    @Option(names = "--no-tls", order = 3, description = "speak plain HTTP to the upstream (default: TLS)")
    private boolean noTls;

    @Option(names = "--no-warm-up", order = 10,
            description = "start cold: skip the warm-up that runs traffic through a private copy of the proxy before it listens"
                    + " (default: warm up, up to 1.5 s)")
    private boolean noWarmUp;

    @Option(names = {"-V", "--version"}, order = 99, versionHelp = true, description = "print the version and exit")
    private boolean version;

    @Parameters(index = "0", arity = "0..1", paramLabel = "EXAMPLE", hidden = true)
    private void example(String name) {
        try {
            example = Example.named(name);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
    }

    @Option(names = "--upstream", order = 1, paramLabel = "HOST:PORT",
            description = "upstream to proxy to (default: " + ExampleSettings.CHAPTER_UPSTREAM
                    + "); load-balancer takes several, comma-separated")
    private void upstream(String value) {
        List<String> each = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            each.add(address("--upstream", part.trim(), 1));
        }
        upstreams = List.copyOf(each);
    }

    @Option(names = "--sni", order = 2, paramLabel = "NAME", description = "TLS server name (default: the upstream's host)")
    private void sni(String value) {
        if (value.isEmpty()) {
            throw bad("--sni: empty (expected: a TLS server name)");
        }
        sni = value;
    }

    @Option(names = "--ca-file", order = 4, paramLabel = "PATH",
            description = "trust this CA (PEM) for the upstream (default: the JDK's trust store)")
    private Path caFile;

    @Option(names = "--listen", order = 5, paramLabel = "ADDR:PORT",
            description = "where the proxy listens (default: " + ExampleSettings.CHAPTER_LISTEN
                    + "; use 127.0.0.1 while trying it)")
    private void listen(String value) {
        listen = address("--listen", value, 0);
    }

    @Option(names = "--resolve", order = 6, paramLabel = "HOST=IP",
            description = "answer HOST without DNS, like curl's (repeatable)")
    private List<String> resolveEntries = new ArrayList<>();

    @Option(names = "--threads", order = 7, paramLabel = "N",
            description = "event-loop threads of the proxy (default: " + ServerConf.DEFAULT_THREADS
                    + "; with -c, the file's threads)")
    private void threads(String value) {
        int n;
        try {
            n = Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw bad("--threads: '" + value + "' is not a number (expected: an integer >= 1)");
        }
        if (n < 1) {
            throw bad("--threads: " + n + " (expected: an integer >= 1)");
        }
        threads = n;
    }

    @Option(names = "--metrics", order = 8, paramLabel = "HOST:PORT",
            description = "serve Prometheus metrics on this address, port 0 for any free port (default: off)")
    private void metrics(String value) {
        metrics = address("--metrics", value, 0);
    }

    @Option(names = "--access-log", order = 9, paramLabel = "FORMAT",
            description = "write the built-in access log on standard output, as combined (nginx's) or json"
                    + " (default: off; access-log: json)")
    private void accessLog(String value) {
        accessLog = switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "combined" -> AccessLog.Format.COMBINED;
            case "json" -> AccessLog.Format.JSON;
            default -> throw bad("--access-log: '" + value + "' (expected: combined or json)");
        };
    }

    /** Returns a command line for {@code command}, its help listing the examples. */
    static CommandLine commandLine(ExamplesCommand command) {
        CommandLine cli = new CommandLine(command);
        List<String> keys = new ArrayList<>(cli.getHelpSectionKeys());
        keys.add(keys.indexOf(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST_HEADING), EXAMPLE_LIST);
        cli.setHelpSectionKeys(keys);
        cli.getHelpSectionMap().put(EXAMPLE_LIST, ExamplesCommand::exampleList);
        return cli;
    }

    private static String exampleList(Help help) {
        StringBuilder list = new StringBuilder(String.format("%nEXAMPLE, one of:%n"));
        for (Example e : Example.values()) {
            list.append(String.format("  %-18s", e.cliName()));
            int column = 20;
            for (String word : e.summary().split(" ")) {
                if (column > 20 && column + 1 + word.length() > 79) {
                    list.append(String.format("%n%20s", ""));
                    column = 20;
                }
                if (column > 20) {
                    list.append(' ');
                    column++;
                }
                list.append(word);
                column += word.length();
            }
            list.append(String.format("%n"));
        }
        return list.toString();
    }

    /**
     * Returns the settings parsed.
     *
     * @throws ParameterException for flags that contradict each other
     */
    ExampleSettings settings() {
        org.pingora4j.core.server.Opt opt = server.opt();
        if (threads != null && opt.conf().isPresent()) {
            throw bad("--threads: not with -c (expected: threads: " + threads + " in " + opt.conf().get() + ")");
        }
        Map<String, InetAddress> resolve = new LinkedHashMap<>();
        for (String entry : resolveEntries) {
            int eq = entry.indexOf('=');
            if (eq <= 0) {
                throw bad("--resolve: \"" + entry + "\" (expected: HOST=IP)");
            }
            resolve.put(entry.substring(0, eq).toLowerCase(Locale.ROOT), ipLiteral(entry.substring(eq + 1)));
        }
        List<String> targets = upstreams != null ? upstreams
                : List.of(example == Example.IDLE_TIMEOUT ? "example.com:443" : ExampleSettings.CHAPTER_UPSTREAM);
        if (targets.size() > 1 && example != Example.LOAD_BALANCER) {
            throw bad("--upstream: " + targets.size() + " upstreams, but " + example.cliName()
                    + " proxies to one (expected: one HOST:PORT; several are for load-balancer)");
        }
        String target = targets.get(0);
        String name = sni != null ? sni : HostPort.parse(target, 1).host();
        AccessLog.Format log = accessLog != null ? accessLog : example == Example.ACCESS_LOG ? AccessLog.Format.JSON : null;
        return new ExampleSettings(example, target, targets, !noTls, name, caFile, listen, Map.copyOf(resolve),
                threads != null ? threads : ServerConf.DEFAULT_THREADS, metrics, log, !noWarmUp, opt);
    }

    private ParameterException bad(String message) {
        return new ParameterException(spec.commandLine(), message);
    }

    private String address(String flag, String value, int minPort) {
        try {
            return HostPort.parse(value, minPort).toString();
        } catch (IllegalArgumentException e) {
            throw bad(flag + ": " + e.getMessage());
        }
    }

    private InetAddress ipLiteral(String ip) {
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
        if (bytes == null) {
            throw bad("--resolve: \"" + ip + "\" (expected: an IP address)");
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw bad("--resolve: \"" + ip + "\" (" + e.getMessage() + ")");
        }
    }

    /** The project's version, written into the jar by the build. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            return new String[] {"pingora4j-examples " + version()};
        }

        static String version() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
                if (in == null) {
                    throw new IOException("version.properties is missing from the build");
                }
                p.load(in);
            }
            return p.getProperty("version");
        }
    }
}
