package org.pingora4j.core.server;

import io.netty.channel.EventLoopGroup;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.IntConsumer;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ListeningService;
import org.pingora4j.core.services.Service;
import org.pingora4j.core.services.ServiceContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a process's services on one shared set of event loops and shuts them down on a signal.
 * Mirrors pingora's {@code Server} ({@code pingora-core/src/server/mod.rs}).
 *
 * <p>Typical {@code main}: {@code Server s = new Server(Opt.parse(args)); s.bootstrap();
 * s.addService(proxy); s.runForever();}. {@link #runForever()} handles SIGTERM (graceful
 * shutdown), SIGINT (fast shutdown), SIGHUP (reloads what can be reloaded in place: the TLS
 * listeners' certificates; it no longer ends the process) and, where the JVM lets it, SIGQUIT
 * (pingora's graceful upgrade, done here as a graceful shutdown).
 *
 * <p>Differences from pingora: all services share {@code threads} event loops (pingora gives each
 * service its own runtime); the grace period ends as soon as every service is drained; daemonizing
 * and upgrades that hand listening sockets to a new process are not possible on the JVM, so
 * {@code -d}, {@code daemon: true} and {@code -u} are refused instead of silently ignored.
 *
 * <p>Thread-safe. {@link #start()}, {@link #run()} and {@link #runForever()} block the calling
 * thread; {@link #shutdown(ShutdownMode)} does not, and may be called from any thread, event loops
 * included.
 */
public final class Server {

    private static final Logger log = LoggerFactory.getLogger(Server.class);

    private enum State { NEW, STARTING, RUNNING, STOPPING, TERMINATED }

    private final ServerSetup setup;

    private final Object lock = new Object();
    private final List<Service> services = new ArrayList<>();
    private final CompletableFuture<Void> startSettled = new CompletableFuture<>();
    private final CompletableFuture<Void> terminated = new CompletableFuture<>();
    private final CompletionStage<Void> terminatedView = terminated.minimalCompletionStage();
    private final CompletableFuture<Void> hurry = new CompletableFuture<>();
    private State state = State.NEW;
    private ShutdownMode requestedMode;
    private boolean startFailed;
    private Integer exitStatus;
    private volatile EventLoopGroup eventLoops;
    private volatile Transport transport;
    private volatile Transport chosenTransport;
    private volatile IntConsumer exitHandler = System::exit;
    // The command-line paths (-t, -h, refusals) must print; tests capture these instead.
    private volatile PrintStream out = System.out;
    private volatile PrintStream err = System.err;

    /** Creates a server with the default configuration. Mirrors pingora's {@code Server::new(None)}. */
    public Server() {
        this(Opt.defaults());
    }

    /**
     * Creates a server for a command line: loads the {@code -c} file, else the defaults. Mirrors
     * pingora's {@code Server::new(Some(opt))}.
     *
     * <p>With {@code -t} (or {@code -h}) a bad file does not throw: the error is kept for
     * {@link #bootstrap()} to print.
     *
     * @throws PingoraException {@code FILE_READ_ERROR} if the file cannot be read,
     *     {@code CONFIG_ERROR} if it is not a valid configuration
     */
    public Server(Opt opt) {
        this.setup = ServerSetup.load(opt);
    }

    /**
     * Creates a server with a configuration built by the application; a {@code -c} in {@code opt} is
     * ignored with a warning. Mirrors pingora's {@code Server::new_with_opt_and_conf}.
     */
    public Server(Opt opt, ServerConf conf) {
        this.setup = ServerSetup.provided(opt, conf);
    }

    /**
     * Sets what exiting calls instead of {@link System#exit}, where pingora calls
     * {@code std::process::exit}; for embedding and tests. If it returns, the method that exited
     * returns too, and the server can no longer start.
     */
    public Server exitHandler(IntConsumer exitHandler) {
        this.exitHandler = Objects.requireNonNull(exitHandler, "exitHandler");
        return this;
    }

    /** Runs the event loops on {@code value} instead of {@link Transport#best()}; for tests. */
    Server transport(Transport value) {
        this.chosenTransport = Objects.requireNonNull(value, "transport");
        return this;
    }

    /** Sets where the command-line paths print ({@code -t}, {@code -h}, refusals); for tests. */
    Server console(PrintStream out, PrintStream err) {
        this.out = Objects.requireNonNull(out, "out");
        this.err = Objects.requireNonNull(err, "err");
        return this;
    }

    /**
     * Returns the configuration. Mirrors pingora's {@code Server::configuration}.
     *
     * @throws PingoraException the configuration file's error, kept in {@code -t} mode
     */
    public ServerConf conf() {
        return setup.conf();
    }

    /** Returns the command line the server was made with. Mirrors pingora's {@code Server::options}. */
    public Opt opt() {
        return setup.opt();
    }

    /**
     * Adds a service, to be started after those added before. Mirrors pingora's {@code add_service}.
     *
     * @throws IllegalStateException once the server started or shut down
     */
    public void addService(Service service) {
        addServices(service);
    }

    /**
     * Adds services, started in this order. Mirrors pingora's {@code add_services}.
     *
     * @throws IllegalStateException once the server started or shut down
     */
    public void addServices(Service... services) {
        Objects.requireNonNull(services, "services");
        List<Service> added = new ArrayList<>(services.length);
        for (int i = 0; i < services.length; i++) {
            added.add(Objects.requireNonNull(services[i], "services[" + i + "]"));
        }
        synchronized (lock) {
            if (state != State.NEW) {
                throw new IllegalStateException("server is " + state.name().toLowerCase()
                        + ": add services before start()");
            }
            this.services.addAll(added);
        }
    }

    /**
     * Acts on the command line before the server starts: with {@code -h} prints the usage and exits
     * 0; with {@code -t} prints whether the configuration is valid and exits 0 or 1; with {@code -d}
     * or {@code -u} prints why they are not supported and exits 1. Mirrors pingora's
     * {@code Server::bootstrap}, whose {@code -t} exits 0 as soon as the configuration loaded.
     */
    public void bootstrap() {
        log.info("bootstrap starting");
        log.debug("{}", setup.opt());
        int status = setup.bootstrap(out, err);
        if (status != ServerSetup.CONTINUE) {
            exit(status);
            return;
        }
        log.info("bootstrap done");
    }

    private void exit(int status) {
        synchronized (lock) {
            exitStatus = status;
        }
        exitHandler.accept(status);
    }

    /**
     * Starts every service, in the order added, on {@code threads} shared event loops; returns when
     * all accept work. Mirrors the start of pingora's {@code Server::run}.
     *
     * <p>If a service fails to start, the ones already started (and the failed one, which may have
     * started in part) are shut down, the event loops stopped, and the failure rethrown.
     *
     * @throws PingoraException the configuration error kept in {@code -t} mode; {@code CONFIG_ERROR}
     *     for {@code -d}, {@code daemon: true} or {@code -u}; a service's own error, or
     *     {@code INTERNAL_ERROR} wrapping its checked exception
     * @throws IllegalStateException if the server already started or shut down, or bootstrap exited
     */
    public void start() {
        List<Service> toStart;
        ServerConf conf;
        synchronized (lock) {
            conf = setup.conf();
            if (exitStatus != null) {
                throw new IllegalStateException("bootstrap() exited with status " + exitStatus
                        + " and the exit handler returned; the server cannot start");
            }
            if (state != State.NEW) {
                throw new IllegalStateException("server is " + state.name().toLowerCase() + ": start() runs once");
            }
            List<String> unsupported = setup.unsupported();
            if (!unsupported.isEmpty()) {
                throw PingoraException.internal(ErrorType.CONFIG_ERROR, String.join("; ", unsupported), null);
            }
            state = State.STARTING;
            toStart = List.copyOf(services);
        }
        try {
            startAll(toStart, conf);
        } finally {
            startSettled.complete(null);
        }
    }

    private void startAll(List<Service> toStart, ServerConf conf) {
        try {
            Transport chosen = chosenTransport != null ? chosenTransport : Transport.best();
            EventLoopGroup group = EventLoopThreads.newGroup("pingora4j-server", conf.threads(), chosen.ioHandlerFactory());
            transport = chosen;
            eventLoops = group;
            log.info("server starting {} service(s) on {} {} event loop(s)",
                    toStart.size(), conf.threads(), chosen.name());
            StartSequence.run(toStart, new ServiceContext(conf, group, chosen));
        } catch (RuntimeException | Error e) {
            markStartFailed();
            throw e;
        }
        synchronized (lock) {
            if (state == State.STARTING) {
                state = State.RUNNING;
            }
        }
        log.info("server started");
    }

    /** Records a failed start, after which the server is terminated and cannot start again. */
    private void markStartFailed() {
        synchronized (lock) {
            startFailed = true;
            state = State.TERMINATED;
        }
        terminated.complete(null);
    }

    /**
     * Returns the event loops all services share, where pingora gives each service a runtime.
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public EventLoopGroup eventLoops() {
        EventLoopGroup group = eventLoops;
        if (group == null) {
            throw new IllegalStateException("server not started: no event loops yet");
        }
        return group;
    }

    /**
     * Returns the socket implementation the event loops run, the counterpart of tokio's I/O driver.
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public Transport transport() {
        Transport chosen = transport;
        if (chosen == null) {
            throw new IllegalStateException("server not started: no transport yet");
        }
        return chosen;
    }

    /**
     * Shuts the server down on a thread of its own and returns a stage that completes when every
     * service is shut down and the event loops ended. Mirrors pingora's shutdown after a signal.
     *
     * <p>Idempotent: later calls return the same stage; a {@link ShutdownMode#FAST} call during a
     * graceful shutdown ends its grace period early. Before {@link #start()}, it completes at once
     * and the server can no longer start.
     */
    public CompletionStage<Void> shutdown(ShutdownMode mode) {
        Objects.requireNonNull(mode, "mode");
        synchronized (lock) {
            if (requestedMode != null) {
                if (mode == ShutdownMode.FAST && requestedMode == ShutdownMode.GRACEFUL
                        && state == State.STOPPING && !hurry.isDone()) {
                    log.info("fast shutdown asked during a graceful one: ending the grace period now");
                    hurry.complete(null);
                }
                return terminatedView;
            }
            requestedMode = mode;
            if (state == State.NEW) {
                state = State.TERMINATED;
                terminated.complete(null);
                return terminatedView;
            }
            if (state == State.TERMINATED) {
                return terminatedView;
            }
            state = State.STOPPING;
        }
        // A dedicated thread, so that the sequence never blocks the event loops it waits for, even
        // when shutdown() is called from one of them.
        Thread thread = new Thread(() -> runShutdown(mode), "pingora4j-shutdown");
        thread.start();
        return terminatedView;
    }

    private void runShutdown(ShutdownMode mode) {
        try {
            startSettled.join();
            boolean failed;
            synchronized (lock) {
                failed = startFailed;
            }
            if (!failed) {
                List<Service> running;
                synchronized (lock) {
                    running = List.copyOf(services);
                }
                new ShutdownSequence(running, eventLoops, setup.conf(), hurry).run(mode);
            }
            synchronized (lock) {
                state = State.TERMINATED;
            }
            terminated.complete(null);
        } catch (RuntimeException | Error e) {
            log.error("shutdown failed", e);
            synchronized (lock) {
                state = State.TERMINATED;
            }
            terminated.completeExceptionally(e);
        }
    }

    /**
     * Starts the server (unless {@link #start()} already did), handles signals until it has shut
     * down, then returns. Mirrors pingora's {@code Server::run}; for applications that embed the
     * server and do not want it to exit. Calling {@code start()} first lets a program report that
     * its listeners are up, or that one could not bind, before it hands the thread to the server:
     * <pre>{@code
     * server.start();                       // throws BIND_ERROR if the port is taken
     * System.out.println("running on :6188");
     * server.runForever();
     * }</pre>
     *
     * @throws PingoraException as {@link #start()}, or if the shutdown itself failed
     */
    public void run() {
        boolean started;
        synchronized (lock) {
            started = state == State.RUNNING || state == State.STOPPING;
        }
        if (!started) {
            start();
        }
        SignalHandlers signals = SignalHandlers.install(this::onSignal, this::onJvmShutdown, "TERM", "INT", "QUIT", "HUP");
        try {
            awaitTerminated();
        } finally {
            signals.close();
        }
        log.info("server stopped");
    }

    /**
     * Runs the server as {@link #run()} does, then exits with status 0 (1 if it failed to start or
     * stop). Mirrors pingora's {@code Server::run_forever}.
     */
    public void runForever() {
        try {
            run();
        } catch (PingoraException e) {
            // Explained failures (a port in use, a bad certificate file) in one line, no trace.
            log.error("server failed: {}", e.getMessage());
            exit(1);
            return;
        } catch (RuntimeException e) {
            log.error("server failed", e);
            exit(1);
            return;
        }
        log.info("all services and event loops stopped, exiting now");
        exit(0);
    }

    /**
     * Acts on a signal by name ({@code TERM}, {@code INT}, {@code QUIT}): the handler
     * {@link #run()} installs, and what tests call instead of sending real signals. Mirrors
     * pingora's {@code main_loop}.
     */
    CompletionStage<Void> onSignal(String signal) {
        switch (signal) {
            case "TERM" -> {
                log.info("SIGTERM received, shutting down gracefully");
                return shutdown(ShutdownMode.GRACEFUL);
            }
            case "INT" -> {
                log.info("SIGINT received, shutting down fast");
                return shutdown(ShutdownMode.FAST);
            }
            case "QUIT" -> {
                log.warn("SIGQUIT received: graceful upgrade (handing the listening sockets to a new process)"
                        + " is not supported on the JVM; shutting down gracefully instead."
                        + " Replace servers with a rolling restart behind a load balancer");
                return shutdown(ShutdownMode.GRACEFUL);
            }
            case "HUP" -> {
                reload();
                return CompletableFuture.completedFuture(null);
            }
            default -> throw new IllegalArgumentException("signal: " + signal + " (expected: TERM, INT, QUIT or HUP)");
        }
    }

    /**
     * SIGHUP, as nginx and HAProxy operators send it: reloads in place what can be, the TLS
     * listeners' certificates (established connections keep theirs; a bad file is refused and the
     * old certificate kept), and says what cannot. Runs on the signal's thread, off the event loops.
     *
     * @return one line per TLS listener saying what was done
     */
    public List<String> reload() {
        List<Service> running;
        synchronized (lock) {
            running = List.copyOf(services);
        }
        List<String> done = new ArrayList<>();
        for (Service service : running) {
            if (service instanceof ListeningService listening) {
                done.addAll(listening.reloadCertificates());
            }
        }
        log.info("SIGHUP: reloaded the certificates of {} TLS listener(s); the configuration file, listeners, services,"
                + " log levels and JVM options take a restart (start a new process, then send this one SIGTERM)", done.size());
        return done;
    }

    /** The shutdown hook used where SIGTERM or SIGINT cannot be caught: drain before the JVM ends. */
    private void onJvmShutdown() {
        log.info("JVM shutting down: shutting the server down gracefully");
        shutdown(ShutdownMode.GRACEFUL);
        awaitTerminated();
    }

    /** Blocks until the shutdown stage completes; an interrupt asks for a fast shutdown. */
    private void awaitTerminated() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    terminated.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                    shutdown(ShutdownMode.FAST);
                } catch (ExecutionException e) {
                    throw PingoraException.internal(ErrorType.INTERNAL_ERROR, "server shutdown failed", e.getCause());
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
