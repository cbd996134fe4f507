package org.pingora4j.core.server;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.conf.ServerConf;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link Server} is made of before it runs: its command line, its configuration (or the error
 * that kept it from loading) and what {@code bootstrap} does with them. Mirrors pingora's
 * {@code Server::new}, {@code Server::new_with_opt_and_conf} and the checks of
 * {@code Server::bootstrap}.
 */
final class ServerSetup {

    private static final Logger log = LoggerFactory.getLogger(Server.class);

    /** What {@link #bootstrap} returns when the server should go on rather than exit. */
    static final int CONTINUE = -1;

    private final Opt opt;
    private final ServerConf conf;
    private final PingoraException error;
    private final String source;

    private ServerSetup(Opt opt, ServerConf conf, PingoraException error, String source) {
        this.opt = opt;
        this.conf = conf == null ? null : mergeWithOpt(conf, opt);
        this.error = error;
        this.source = source;
    }

    /**
     * Loads the {@code -c} file, else the defaults; with {@code -t} or {@code -h} a bad file is kept
     * as an error rather than thrown, for {@link #bootstrap} to report.
     */
    static ServerSetup load(Opt opt) {
        Objects.requireNonNull(opt, "opt");
        Path file = opt.conf().orElse(null);
        if (file == null) {
            return new ServerSetup(opt, ServerConf.defaults(), null, "defaults");
        }
        try {
            return new ServerSetup(opt, ServerConf.load(file), null, file.toString());
        } catch (PingoraException e) {
            if (!opt.test() && !opt.help()) {
                throw e;
            }
            return new ServerSetup(opt, null, e, file.toString());
        }
    }

    /** Takes the application's configuration, ignoring {@code -c} with a warning as pingora does. */
    static ServerSetup provided(Opt opt, ServerConf conf) {
        Objects.requireNonNull(opt, "opt");
        Objects.requireNonNull(conf, "conf");
        opt.conf().ifPresent(c -> log.warn(
                "ignoring -c {}: using the configuration the application provided instead", c));
        return new ServerSetup(opt, conf, null, "provided by the application");
    }

    /** Pingora's {@code merge_with_opt}: {@code -d} turns {@code daemon} on. */
    private static ServerConf mergeWithOpt(ServerConf conf, Opt opt) {
        return opt.daemon() && !conf.daemon() ? conf.toBuilder().daemon(true).build() : conf;
    }

    Opt opt() {
        return opt;
    }

    /** Returns the configuration, or throws the error that kept it from loading. */
    ServerConf conf() {
        if (error != null) {
            throw error;
        }
        return conf;
    }

    /** Returns why the command line or configuration asks for what the JVM cannot do; empty if nothing. */
    List<String> unsupported() {
        List<String> reasons = new ArrayList<>();
        if (conf != null && conf.daemon()) {
            reasons.add((opt.daemon() ? "-d/--daemon" : "daemon: true in " + source)
                    + " is not supported: the JVM cannot fork into the background;"
                    + " run in the foreground under a process supervisor (systemd, a container runtime)");
        }
        if (opt.upgrade()) {
            reasons.add("-u/--upgrade is not supported: the JVM cannot take over a running server's"
                    + " listening sockets; replace servers with a rolling restart behind a load balancer");
        }
        return reasons;
    }

    /**
     * Does the command-line part of bootstrap, printing to {@code out} and {@code err}; returns the
     * status to exit with, or {@link #CONTINUE}.
     */
    int bootstrap(PrintStream out, PrintStream err) {
        if (opt.help()) {
            out.print(Opt.usage());
            out.flush();
            return 0;
        }
        if (opt.test()) {
            // Like pingora, -t checks the configuration only: it exits before anything else is looked at.
            if (error != null) {
                err.println("pingora4j: configuration " + source + " is invalid: " + error.getMessage());
                err.flush();
                return 1;
            }
            out.println("pingora4j: configuration " + source + " is valid");
            out.flush();
            return 0;
        }
        List<String> reasons = unsupported();
        if (!reasons.isEmpty()) {
            reasons.forEach(reason -> err.println("pingora4j: " + reason));
            err.flush();
            return 1;
        }
        return CONTINUE;
    }
}
