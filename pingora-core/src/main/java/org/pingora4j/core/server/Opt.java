package org.pingora4j.core.server;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The server's command line: parses {@code -c/--conf}, {@code -t/--test}, {@code -d/--daemon},
 * {@code -u/--upgrade} and {@code -h/--help}. Mirrors pingora's {@code Opt}
 * ({@code pingora-core/src/server/configuration}), which clap parses.
 *
 * <p>Immutable. Parsing follows clap's conventions: long options take their value as
 * {@code --conf path} or {@code --conf=path}, short ones as {@code -c path}, {@code -cpath} or
 * {@code -c=path}; boolean short flags may be grouped ({@code -td}); a value that starts with
 * {@code -} is not taken as a value (write {@code --conf=-odd.yaml} for such a file). The hidden
 * {@code --nocapture} flag is accepted and ignored, as in pingora, so that test runners passing it do
 * not break the server. There are no positional arguments.
 *
 * <p>{@code -h} does not print anything here: it sets {@link #help()}, and
 * {@link Server#bootstrap()} prints {@link #usage()} and exits 0, as clap would.
 */
public final class Opt {

    private static final Opt DEFAULTS = new Opt(null, false, false, false, false);

    private static final String USAGE = String.join("\n",
            "Usage: <server> [OPTIONS]",
            "",
            "Options:",
            "  -c, --conf <PATH>  the configuration file (YAML); the defaults when absent",
            "  -t, --test         test the configuration and exit: 0 if valid, 1 if not",
            "  -d, --daemon       run in the background (not supported on the JVM: exits 1)",
            "  -u, --upgrade      take over the sockets of a running server (not supported: exits 1)",
            "  -h, --help         print this help and exit",
            "");

    private final Path conf;
    private final boolean test;
    private final boolean daemon;
    private final boolean upgrade;
    private final boolean help;

    private Opt(Path conf, boolean test, boolean daemon, boolean upgrade, boolean help) {
        this.conf = conf;
        this.test = test;
        this.daemon = daemon;
        this.upgrade = upgrade;
        this.help = help;
    }

    /** Returns the options of an empty command line. Mirrors pingora's {@code Opt} with no flag set. */
    public static Opt defaults() {
        return DEFAULTS;
    }

    /**
     * Parses a command line, as {@code main} receives it. Mirrors pingora's {@code Opt::parse_args}.
     *
     * @throws IllegalArgumentException naming the offending argument: an unknown option, a missing
     *     or unexpected value, {@code -c} given twice, or a positional argument; print its message
     *     and {@link #usage()}
     * @throws NullPointerException if {@code args} or one of them is null
     */
    public static Opt parse(String... args) {
        Objects.requireNonNull(args, "args");
        Parser p = new Parser();
        for (int i = 0; i < args.length; i++) {
            String arg = Objects.requireNonNull(args[i], "args[" + i + "]");
            if (arg.startsWith("--") && arg.length() > 2) {
                i = p.longOption(arg, args, i);
            } else if (arg.startsWith("-") && arg.length() > 1 && !arg.equals("--")) {
                i = p.shortOptions(arg, args, i);
            } else {
                throw new IllegalArgumentException("unexpected argument '" + arg + "' (expected: options only)");
            }
        }
        return new Opt(p.conf, p.test, p.daemon, p.upgrade, p.help);
    }

    /** Returns the help text listing every option, ending with a newline. Mirrors clap's help. */
    public static String usage() {
        return USAGE;
    }

    /** Returns pingora's {@code conf}: the configuration file to load, if {@code -c} was given. */
    public Optional<Path> conf() {
        return Optional.ofNullable(conf);
    }

    /** Returns pingora's {@code test}: validate the configuration and exit. */
    public boolean test() {
        return test;
    }

    /** Returns pingora's {@code daemon}: run in the background (rejected by {@link Server}). */
    public boolean daemon() {
        return daemon;
    }

    /** Returns pingora's {@code upgrade}: take over a running server's sockets (rejected by {@link Server}). */
    public boolean upgrade() {
        return upgrade;
    }

    /** Returns whether {@code -h/--help} was given; clap's built-in help flag. */
    public boolean help() {
        return help;
    }

    /** Returns whether {@code o} is an Opt with the same values. */
    @Override
    public boolean equals(Object o) {
        return o instanceof Opt other && Objects.equals(conf, other.conf) && test == other.test
                && daemon == other.daemon && upgrade == other.upgrade && help == other.help;
    }

    /** Returns a hash of the values. */
    @Override
    public int hashCode() {
        return Objects.hash(conf, test, daemon, upgrade, help);
    }

    /** Returns the values, for logs. */
    @Override
    public String toString() {
        return "Opt{conf=" + conf + ", test=" + test + ", daemon=" + daemon + ", upgrade=" + upgrade
                + ", help=" + help + "}";
    }

    /** The flags seen so far; one per {@link #parse} call. */
    private static final class Parser {
        private Path conf;
        private boolean test;
        private boolean daemon;
        private boolean upgrade;
        private boolean help;

        /** Handles {@code args[i]}, a long option; returns the index of the last argument it used. */
        int longOption(String arg, String[] args, int i) {
            int eq = arg.indexOf('=');
            String name = eq < 0 ? arg : arg.substring(0, eq);
            String inline = eq < 0 ? null : arg.substring(eq + 1);
            if (name.equals("--conf")) {
                if (inline != null) {
                    setConf(inline);
                    return i;
                }
                setConf(valueAfter(args, i, "--conf"));
                return i + 1;
            }
            if (inline != null && isFlag(name)) {
                throw new IllegalArgumentException("option " + name + " takes no value (got '" + arg + "')");
            }
            switch (name) {
                case "--test" -> test = true;
                case "--daemon" -> daemon = true;
                case "--upgrade" -> upgrade = true;
                case "--help" -> help = true;
                case "--nocapture" -> {
                    // pingora's hidden flag: `cargo test -- --nocapture` may pass it to the server.
                }
                default -> throw new IllegalArgumentException("unknown option '" + name + "'");
            }
            return i;
        }

        /** Handles {@code args[i]}, one or more grouped short options; returns the last index used. */
        int shortOptions(String arg, String[] args, int i) {
            for (int k = 1; k < arg.length(); k++) {
                char c = arg.charAt(k);
                switch (c) {
                    case 't' -> test = true;
                    case 'd' -> daemon = true;
                    case 'u' -> upgrade = true;
                    case 'h' -> help = true;
                    case 'c' -> {
                        // The rest of the group is the value (-cpath, -c=path), else the next argument.
                        String rest = arg.substring(k + 1);
                        if (rest.startsWith("=")) {
                            rest = rest.substring(1);
                        }
                        if (!rest.isEmpty() || arg.endsWith("=")) {
                            setConf(rest);
                            return i;
                        }
                        setConf(valueAfter(args, i, "-c"));
                        return i + 1;
                    }
                    default -> throw new IllegalArgumentException("unknown option '-" + c + "'"
                            + (arg.length() > 2 ? " (in '" + arg + "')" : ""));
                }
            }
            return i;
        }

        private static boolean isFlag(String name) {
            return name.equals("--test") || name.equals("--daemon") || name.equals("--upgrade")
                    || name.equals("--help") || name.equals("--nocapture");
        }

        private static String valueAfter(String[] args, int i, String option) {
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("option " + option + " requires a value: the configuration file path");
            }
            String value = Objects.requireNonNull(args[i + 1], "args[" + (i + 1) + "]");
            if (value.startsWith("-") && value.length() > 1) {
                throw new IllegalArgumentException("option " + option + " requires a value: the configuration file path"
                        + " (got option '" + value + "'; write " + "--conf=" + value + " for such a file name)");
            }
            return value;
        }

        private void setConf(String value) {
            if (value.isEmpty()) {
                throw new IllegalArgumentException("option -c/--conf: empty path (expected: the configuration file path)");
            }
            Path path;
            try {
                path = Path.of(value);
            } catch (InvalidPathException e) {
                throw new IllegalArgumentException("option -c/--conf: '" + value + "' is not a valid path: "
                        + e.getReason(), e);
            }
            if (conf != null) {
                throw new IllegalArgumentException("option -c/--conf given twice ('" + conf + "' and '" + value
                        + "'; expected: once)");
            }
            conf = path;
        }
    }
}
