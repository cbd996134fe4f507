package org.pingora4j.core.server;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.Service;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out one shutdown of the server's services and event loops, blocking the calling thread.
 * Mirrors the tail of pingora's {@code Server::run}: the grace period, then the runtimes'
 * {@code shutdown_timeout}.
 *
 * <p>Where pingora sleeps for the whole grace period, this waits only until every service is
 * {@link Service#drained() drained}, so a server with nothing in flight stops at once. The caller's
 * thread must not be one of the event loops: it waits on work those loops do.
 */
final class ShutdownSequence {

    private static final Logger log = LoggerFactory.getLogger(Server.class);

    /** Extra wait for event-loop threads to exit after their last task, beyond the configured timeout. */
    static final Duration TERMINATION_SLACK = Duration.ofSeconds(1);

    private final List<Service> services;
    private final EventLoopGroup group;
    private final ServerConf conf;
    private final CompletableFuture<Void> hurry;

    /**
     * @param services the started services, in start order
     * @param hurry completes when a fast shutdown is asked for during a graceful one
     */
    ShutdownSequence(List<Service> services, EventLoopGroup group, ServerConf conf, CompletableFuture<Void> hurry) {
        this.services = List.copyOf(services);
        this.group = group;
        this.conf = conf;
        this.hurry = hurry;
    }

    /** Runs the steps of {@code mode}; returns when the event loops ended or were given up on. */
    void run(ShutdownMode mode) {
        if (inEventLoop(group)) {
            throw new IllegalStateException("the shutdown sequence must not run on one of the server's event loops");
        }
        if (mode == ShutdownMode.GRACEFUL) {
            drain();
        } else {
            log.info("fast shutdown: closing {} service(s) now", services.size());
        }
        stopServices();
        Duration timeout = mode == ShutdownMode.GRACEFUL ? conf.gracefulShutdownTimeout() : Duration.ZERO;
        stopEventLoops(group, timeout, conf.gracefulShutdownTimeout().plus(TERMINATION_SLACK));
    }

    private void drain() {
        Duration grace = conf.gracePeriod();
        long deadline = System.nanoTime() + grace.toNanos();
        log.info("graceful shutdown: {} service(s) stop accepting; grace period {}s starts",
                services.size(), grace.toSeconds());
        List<CompletableFuture<Void>> stopped = new ArrayList<>();
        for (Service service : services) {
            stopped.add(call(service, "stopAccepting", service::stopAccepting));
        }
        // drained() is asked only once a service has stopped accepting, so that nothing new can
        // arrive after it says it is idle.
        awaitAll(stopped, deadline);
        List<CompletableFuture<Void>> drained = new ArrayList<>();
        for (Service service : services) {
            drained.add(call(service, "drained", service::drained));
        }
        if (awaitAll(drained, deadline)) {
            log.info("graceful shutdown: every service drained");
            return;
        }
        List<String> busy = new ArrayList<>();
        for (int i = 0; i < services.size(); i++) {
            if (!drained.get(i).isDone()) {
                busy.add(services.get(i).name());
            }
        }
        if (hurry.isDone()) {
            log.warn("graceful shutdown cut short by a fast shutdown; still busy: {}", busy);
        } else {
            log.warn("graceful shutdown: grace period of {}s ended; still busy: {}", grace.toSeconds(), busy);
        }
    }

    /** Stops the services in reverse start order, so that later ones may still use earlier ones. */
    private void stopServices() {
        for (int i = services.size() - 1; i >= 0; i--) {
            Service service = services.get(i);
            try {
                service.shutdown();
            } catch (RuntimeException e) {
                log.error("service {} failed to shut down", service.name(), e);
            }
        }
    }

    /**
     * Shuts the event loops down with no quiet period and waits up to {@code wait} for their threads
     * to end; a loop stuck in user code is given up on rather than keeping the process alive.
     */
    static void stopEventLoops(EventLoopGroup group, Duration timeout, Duration wait) {
        group.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS);
        boolean ended;
        try {
            ended = group.terminationFuture().await(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ended = group.isTerminated();
        }
        if (ended) {
            log.info("event loops stopped");
        } else {
            log.warn("event loops still running {}ms after shutdown; giving up on them", wait.toMillis());
        }
    }

    /** Waits until all are done, the deadline passes or a fast shutdown is asked; returns whether all are done. */
    private boolean awaitAll(List<CompletableFuture<Void>> futures, long deadline) {
        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]));
        try {
            CompletableFuture.anyOf(all, hurry).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // Timed out, or could not happen: the futures here never complete exceptionally.
        } catch (InterruptedException e) {
            // Nobody else interrupts this thread; treat it as "stop waiting" and keep the flag.
            Thread.currentThread().interrupt();
        }
        return all.isDone();
    }

    /** Calls one lifecycle method; a throw, a null or a failed stage is logged and counts as done. */
    private static CompletableFuture<Void> call(Service service, String what, Supplier<CompletionStage<Void>> step) {
        CompletionStage<Void> stage;
        try {
            stage = step.get();
        } catch (RuntimeException e) {
            log.error("service {}: {} failed", service.name(), what, e);
            return CompletableFuture.completedFuture(null);
        }
        if (stage == null) {
            log.error("service {}: {} returned null instead of a stage", service.name(), what);
            return CompletableFuture.completedFuture(null);
        }
        // whenComplete rather than toCompletableFuture(), which a CompletionStage may not support.
        CompletableFuture<Void> done = new CompletableFuture<>();
        stage.whenComplete((v, e) -> {
            if (e != null) {
                log.error("service {}: {} failed", service.name(), what, e);
            }
            done.complete(null);
        });
        return done;
    }

    private static boolean inEventLoop(EventLoopGroup group) {
        for (EventExecutor loop : group) {
            if (loop.inEventLoop()) {
                return true;
            }
        }
        return false;
    }
}
