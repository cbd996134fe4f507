package org.pingora4j.core.server;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@link Opt}'s flags as a picocli mixin, so that an application's own command line carries
 * Pingora's server flags and prints them in its one help text. Mirrors embedding pingora's
 * {@code Opt} with clap's {@code #[clap(flatten)]}.
 *
 * <pre>{@code
 * @Command(name = "my-proxy", separator = " ")
 * class MyCommand {
 *     @Mixin OptMixin server;
 *     @Option(names = "--upstream") String upstream;
 * }
 * MyCommand cmd = new MyCommand();
 * new CommandLine(cmd).parseArgs(args);
 * Server server = new Server(cmd.server.opt());
 * }</pre>
 *
 * <p>{@code -h/--help} is picocli's usage-help option: a command run with
 * {@link picocli.CommandLine#execute} prints the whole help and exits 0 before the server is made;
 * parsed with {@code parseArgs}, it sets {@link Opt#help()} for {@link Server#bootstrap()}. In a
 * help that does not sort its options, Pingora's come after the application's own (order 100 to
 * 104). Mutable,
 * as picocli fills it; {@link #opt()} takes an immutable copy.
 */
public final class OptMixin {

    @Spec(Spec.Target.MIXEE)
    private CommandSpec mixee;

    private Path conf;

    @Option(names = {"-t", "--test"}, order = 101, description = "test the configuration and exit: 0 if valid, 1 if not")
    private boolean test;

    @Option(names = {"-d", "--daemon"}, order = 102, description = "run in the background (not supported on the JVM: exits 1)")
    private boolean daemon;

    @Option(names = {"-u", "--upgrade"}, order = 103,
            description = "take over the sockets of a running server (not supported: exits 1)")
    private boolean upgrade;

    @Option(names = {"-h", "--help"}, order = 104, usageHelp = true, description = "print this help and exit")
    private boolean help;

    // pingora's hidden flag: `cargo test -- --nocapture` may pass it to the server.
    @Option(names = "--nocapture", hidden = true)
    private boolean nocapture;

    /** Creates the mixin with no flag set; picocli fills it. */
    public OptMixin() {
    }

    @Option(names = {"-c", "--conf"}, order = 100, paramLabel = "<PATH>",
            description = "the configuration file (YAML); the defaults when absent")
    private void conf(String value) {
        if (value.isEmpty()) {
            throw new ParameterException(mixee.commandLine(),
                    "option -c/--conf: empty path (expected: the configuration file path)");
        }
        try {
            conf = Path.of(value);
        } catch (InvalidPathException e) {
            throw new ParameterException(mixee.commandLine(),
                    "option -c/--conf: '" + value + "' is not a valid path: " + e.getReason(), e);
        }
    }

    /** Returns the flags parsed so far as an {@link Opt}. */
    public Opt opt() {
        return Opt.of(conf, test, daemon, upgrade, help);
    }
}
