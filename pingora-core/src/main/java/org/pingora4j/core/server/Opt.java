package org.pingora4j.core.server;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

/**
 * The server's command line: parses {@code -c/--conf}, {@code -t/--test}, {@code -d/--daemon},
 * {@code -u/--upgrade} and {@code -h/--help}. Mirrors pingora's {@code Opt}
 * ({@code pingora-core/src/server/configuration}), which clap parses; here picocli does, and
 * {@link OptMixin} carries the same flags into an application's own command line.
 *
 * <p>Immutable. Parsing follows picocli's (and clap's) conventions: long options take their value as
 * {@code --conf path} or {@code --conf=path}, short ones as {@code -c path}, {@code -cpath} or
 * {@code -c=path}; boolean short flags may be grouped ({@code -td}); an option is not taken as a
 * value (write {@code --conf=-odd.yaml} for such a file). The hidden {@code --nocapture} flag is
 * accepted and ignored, as in pingora, so that test runners passing it do not break the server.
 * There are no positional arguments.
 *
 * <p>{@code -h} does not print anything here: it sets {@link #help()}, and
 * {@link Server#bootstrap()} prints {@link #usage()} and exits 0, as clap would.
 */
public final class Opt {

    private static final Opt DEFAULTS = new Opt(null, false, false, false, false);

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

    /** The values {@link OptMixin} parsed. */
    static Opt of(Path conf, boolean test, boolean daemon, boolean upgrade, boolean help) {
        return new Opt(conf, test, daemon, upgrade, help);
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
        for (int i = 0; i < args.length; i++) {
            Objects.requireNonNull(args[i], "args[" + i + "]");
        }
        ServerCommand command = new ServerCommand();
        try {
            new CommandLine(command).parseArgs(args);
        } catch (ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        return command.server.opt();
    }

    /** Returns the help text listing every option, ending with a newline. Mirrors clap's help. */
    public static String usage() {
        return new CommandLine(new ServerCommand()).getUsageMessage(CommandLine.Help.Ansi.OFF);
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

    /** A command line of Pingora's flags only, which {@link #parse} and {@link #usage} use. */
    @Command(name = "<server>", sortOptions = false)
    private static final class ServerCommand {
        @Mixin
        private OptMixin server = new OptMixin();
    }
}
