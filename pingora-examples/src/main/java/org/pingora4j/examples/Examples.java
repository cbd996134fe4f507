package org.pingora4j.examples;

import java.io.PrintStream;
import java.util.concurrent.CompletionException;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * The examples jar's {@code main}: {@code java -jar pingora4j-examples.jar [EXAMPLE] [OPTIONS]}
 * runs {@link PooledProxy}, or the example named first (see {@link Example}). Like a clap
 * {@code main} in Pingora: {@code -h} prints the one help text and exits 0, {@code --version}
 * the version; a bad flag prints its error and the help on standard error and exits 2.
 */
public final class Examples {

    private static final String PROGRAM = "pingora4j-examples";

    private Examples() {
    }

    /** Runs the example the command line names, then exits with its status. */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Acts on {@code args}: prints the help or the version, or the error and the help, or runs the
     * example (the proxies until a signal ends the process). Returns the status to exit with.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        ExamplesCommand command = new ExamplesCommand();
        CommandLine cli = ExamplesCommand.commandLine(command);
        ExampleSettings settings;
        try {
            cli.parseArgs(args);
            if (cli.isUsageHelpRequested()) {
                out.print(ExampleSettings.usage());
                out.flush();
                return 0;
            }
            if (cli.isVersionHelpRequested()) {
                cli.printVersionHelp(out);
                out.flush();
                return 0;
            }
            settings = command.settings();
        } catch (ParameterException e) {
            err.println(PROGRAM + ": " + e.getMessage());
            err.print(ExampleSettings.usage());
            err.flush();
            return 2;
        }
        try {
            return launch(settings, out);
        } catch (UnsupportedOperationException e) {
            err.println(PROGRAM + ": " + e.getMessage());
            err.flush();
            return 1;
        } catch (RuntimeException e) {
            // An example that fails (an upstream refusing, say) reports why in one line, not a trace.
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            err.println(PROGRAM + ": " + settings.example().cliName() + " failed: " + cause.getMessage());
            err.flush();
            return 1;
        }
    }

    private static int launch(ExampleSettings settings, PrintStream out) {
        switch (settings.example()) {
            case POOLED_PROXY -> PooledProxy.run(settings, out);
            case IDLE_TIMEOUT -> serve(settings,
                    new IdleTimeoutProxy(settings.upstream(), settings.tls(), settings.ca()), out);
            case PER_HOST_POLICY -> serve(settings,
                    new PerHostPolicyProxy(settings.upstreamPort(), settings.tls(), settings.ca()), out);
            case MY_FIRST_PROXY -> serve(settings, new MyFirstProxy(settings.peer(settings.upstream())), out);
            case LOAD_BALANCER -> serve(settings,
                    new LoadBalancer(settings.upstreams().stream().map(settings::peer).toArray(HttpPeer[]::new)), out);
            case ACCESS_LOG -> serve(settings, new AccessLogProxy(settings.peer(settings.upstream())), out);
            case POOL_SIZE_CONFIG -> {
                noServer(settings);
                PoolSizeConfig.report(out, settings.opt().conf().orElse(null));
            }
            case WALKTHROUGH -> {
                noServer(settings);
                PoolWalkthrough.run(settings, out);
            }
            case DEMO -> {
                noServer(settings);
                try {
                    Demo.run(out, 20, 8, 5);
                } catch (Exception e) {
                    throw new IllegalStateException("the demo failed", e);
                }
            }
        }
        return 0;
    }

    /** Runs {@code proxy} as {@link PooledProxy#build} does, with the pool at its default size. */
    private static <C> void serve(ExampleSettings settings, ProxyHttp<C> proxy, PrintStream out) {
        Server server = settings.opt().conf().isPresent()
                ? new Server(settings.opt())
                : new Server(settings.opt(), ServerConf.builder().threads(settings.threads()).build());
        server.bootstrap();
        ProxyService.Builder<C> builder = ExampleMetrics.serveIfAsked(server,
                ProxyService.builder(server.conf(), proxy).resolver(settings.resolver()), settings);
        settings.newAccessLog().ifPresent(builder::accessLog);
        builder.warmUp(settings.warmUpOptions());
        ProxyService<C> service = builder.build();
        service.addTcp(settings.listen());
        server.addService(service);
        startThenRun(server, settings.example().cliName() + " running on " + settings.listen(), out);
    }

    /**
     * Starts the server, says it runs only once its listeners are bound, then serves until a
     * signal. A bind failure (a port in use) throws before any "running" line, and {@link #run}
     * prints it as one line and exits 1.
     */
    static void startThenRun(Server server, String running, PrintStream out) {
        server.start();
        out.println(running);
        out.flush();
        server.runForever();
    }

    private static void noServer(ExampleSettings settings) {
        if (settings.metricsAddress().isPresent()) {
            throw new UnsupportedOperationException("--metrics: the " + settings.example().cliName()
                    + " example runs no server (expected with pooled-proxy, idle-timeout or per-host-policy)");
        }
    }
}
