package org.pingora4j.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.Service;
import org.pingora4j.core.services.ServiceContext;

final class ServerLifecycleTest {

    private static final long WAIT_SECONDS = 10;

    private Server server;

    private static ServerConf conf(int threads) {
        return ServerConf.builder().threads(threads).gracePeriodSeconds(10L).gracefulShutdownTimeoutSeconds(1L).build();
    }

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) {
            server.shutdown(ShutdownMode.FAST).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    @Test
    void threadsConfiguresTheSharedEventLoops() throws Exception {
        server = new Server(Opt.defaults(), conf(3));
        LineEchoService echo = new LineEchoService("echo");
        server.addService(echo);
        server.start();

        List<EventExecutor> loops = new ArrayList<>();
        server.eventLoops().forEach(loops::add);
        assertEquals(3, loops.size());
        // Consecutive connections go round-robin over the loops: three connections, three threads.
        for (int i = 0; i < 3; i++) {
            try (LineClient client = new LineClient(echo.port())) {
                assertEquals("echo: hi " + i, client.exchange("hi " + i));
            }
        }
        assertEquals(3, echo.connectionThreads.size());
        for (Thread thread : echo.connectionThreads) {
            assertTrue(loops.stream().anyMatch(loop -> loop.inEventLoop(thread)), thread + " is not a server loop");
        }
        assertEquals(Transport.best().name(), server.transport().name());
    }

    @Test
    void servicesShareOneContextAndStartInOrder() throws Exception {
        server = new Server(Opt.defaults(), conf(2));
        List<String> order = new CopyOnWriteArrayList<>();
        LineEchoService first = new LineEchoService("first");
        LineEchoService second = new LineEchoService("second");
        first.beforeStart = service -> order.add(service.name());
        second.beforeStart = service -> order.add(service.name());
        server.addServices(first, second);
        server.start();

        assertEquals(List.of("first", "second"), order);
        ServiceContext a = first.started.getNow(null);
        ServiceContext b = second.started.getNow(null);
        assertSame(server.eventLoops(), a.eventLoops());
        assertSame(server.eventLoops(), b.eventLoops());
        assertSame(server.conf(), a.conf());
        assertEquals(server.transport(), b.transport());
        try (LineClient one = new LineClient(first.port()); LineClient two = new LineClient(second.port())) {
            assertEquals("echo: 1", one.exchange("1"));
            assertEquals("echo: 2", two.exchange("2"));
        }
    }

    @Test
    void servicesCannotBeAddedOnceStarted() throws Exception {
        server = new Server(Opt.defaults(), conf(1));
        server.addService(new LineEchoService("echo"));
        server.start();
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> server.addService(new LineEchoService("late")));
        assertEquals("server is running: add services before start()", e.getMessage());
        assertThrows(IllegalStateException.class, server::start);
    }

    @Test
    void eventLoopsAndTransportNeedAStartedServer() {
        Server idle = new Server();
        assertThrows(IllegalStateException.class, idle::eventLoops);
        assertThrows(IllegalStateException.class, idle::transport);
    }

    @Test
    void shutdownBeforeStartCompletesAtOnceAndStartIsThenRefused() {
        Server idle = new Server();
        CompletionStage<Void> stage = idle.shutdown(ShutdownMode.GRACEFUL);
        assertTrue(stage.toCompletableFuture().isDone());
        assertSame(stage, idle.shutdown(ShutdownMode.FAST));
        assertThrows(IllegalStateException.class, idle::start);
        assertThrows(IllegalStateException.class, () -> idle.addService(new LineEchoService("late")));
    }

    @Test
    void aFailedStartStopsTheServicesStartedBeforeIt() throws Exception {
        Server failing = new Server(Opt.defaults(), conf(2));
        LineEchoService before = new LineEchoService("before");
        FailingService broken = new FailingService(new IOException("no such certificate"));
        LineEchoService after = new LineEchoService("after");
        failing.addServices(before, broken, after);

        PingoraException e = assertThrows(PingoraException.class, failing::start);

        assertEquals(ErrorType.INTERNAL_ERROR, e.type());
        assertEquals("no such certificate", e.getCause().getMessage());
        assertTrue(e.getMessage().contains("service broken failed to start"), e.getMessage());
        assertTrue(before.shutDown.isDone(), "the service started before is shut down");
        assertTrue(broken.shutDown.isDone(), "the failed service is shut down too: it may have started in part");
        assertFalse(after.startCalled.get(), "services after the failed one never start");
        assertThrows(ConnectException.class, () -> new LineClient(before.port()).close());
        assertTrue(failing.eventLoops().terminationFuture().await(WAIT_SECONDS, TimeUnit.SECONDS));
        assertTrue(failing.shutdown(ShutdownMode.GRACEFUL).toCompletableFuture().isDone());
        assertThrows(IllegalStateException.class, failing::start);
    }

    @Test
    void aServicesOwnExceptionPropagatesUnchanged() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            Server failing = new Server(Opt.defaults(), conf(1));
            LineEchoService before = new LineEchoService("before");
            LineEchoService clash = new LineEchoService("clash");
            clash.addTcp("127.0.0.1:" + taken.getLocalPort());
            failing.addServices(before, clash);

            PingoraException e = assertThrows(PingoraException.class, failing::start);

            assertEquals(ErrorType.BIND_ERROR, e.type());
            assertTrue(before.shutDown.isDone());
            assertTrue(failing.eventLoops().terminationFuture().await(WAIT_SECONDS, TimeUnit.SECONDS));
        }
    }

    @Test
    void everyServiceIsStoppedEvenIfOneThrowsOnTheWayDown() throws Exception {
        server = new Server(Opt.defaults(), conf(1));
        LineEchoService echo = new LineEchoService("echo");
        UnrulyService unruly = new UnrulyService();
        server.addServices(echo, unruly);
        server.start();

        server.shutdown(ShutdownMode.GRACEFUL).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertTrue(echo.shutDown.isDone());
        assertTrue(unruly.shutdownCalls > 0);
        assertTrue(server.eventLoops().isTerminated());
    }

    @Test
    void runAfterStartTakesTheRunningServerWithoutStartingItAgain() throws Exception {
        server = new Server(Opt.defaults(), conf(1));
        LineEchoService echo = new LineEchoService("echo");
        server.addService(echo);
        server.start(); // a program can report its listeners up (or a bind failure) first
        CompletableFuture<Void> ran = CompletableFuture.runAsync(server::run);
        server.onSignal("TERM").toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        ran.get(WAIT_SECONDS, TimeUnit.SECONDS); // returned normally: no "start() runs once"
        assertTrue(echo.shutDown.isDone());
        assertThrows(IllegalStateException.class, server::run, "a stopped server does not run again");
    }

    @Test
    void shutdownFromAnEventLoopStillCompletes() throws Exception {
        server = new Server(Opt.defaults(), conf(2));
        server.addService(new LineEchoService("echo"));
        server.start();
        Set<String> threadNames = new HashSet<>();

        CompletionStage<Void> stage = server.eventLoops().next()
                .submit(() -> {
                    threadNames.add(Thread.currentThread().getName());
                    return server.shutdown(ShutdownMode.GRACEFUL);
                }).get(WAIT_SECONDS, TimeUnit.SECONDS);

        stage.toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertTrue(server.eventLoops().isTerminated());
        assertTrue(threadNames.iterator().next().startsWith("pingora4j-server"), threadNames.toString());
    }

    /** A service whose start fails with a checked exception, as a missing certificate would. */
    private static final class FailingService implements Service {
        final CompletableFuture<Void> shutDown = new CompletableFuture<>();
        private final Exception failure;

        FailingService(Exception failure) {
            this.failure = failure;
        }

        @Override
        public String name() {
            return "broken";
        }

        @Override
        public void start(ServiceContext context) throws Exception {
            throw failure;
        }

        @Override
        public CompletionStage<Void> stopAccepting() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletionStage<Void> drained() {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public void shutdown() {
            shutDown.complete(null);
        }
    }

    /** A service that breaks every shutdown rule: throws, returns null, fails its stage. */
    private static final class UnrulyService implements Service {
        volatile int shutdownCalls;

        @Override
        public String name() {
            return "unruly";
        }

        @Override
        public void start(ServiceContext context) {
        }

        @Override
        public CompletionStage<Void> stopAccepting() {
            throw new IllegalStateException("cannot stop accepting");
        }

        @Override
        public CompletionStage<Void> drained() {
            return CompletableFuture.failedFuture(new IllegalStateException("cannot tell"));
        }

        @Override
        public void shutdown() {
            shutdownCalls++;
            throw new IllegalStateException("cannot shut down");
        }
    }
}
