package org.pingora4j.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.server.conf.ServerConf;

final class ServerShutdownTest {

    private static final long WAIT_SECONDS = 10;
    /** Longer than any test waits: a stage that completes proves the grace period was not waited out. */
    private static final long LONG_GRACE_SECONDS = 120;

    private Server server;
    private LineEchoService echo;

    /** Starts a server whose one echo holds its answers until the test opens the gate. */
    private void startGatedEcho(long graceSeconds) {
        ServerConf conf = ServerConf.builder().threads(2).gracePeriodSeconds(graceSeconds)
                .gracefulShutdownTimeoutSeconds(1L).build();
        server = new Server(Opt.defaults(), conf);
        echo = new LineEchoService("echo", true);
        server.addService(echo);
        server.start();
    }

    @AfterEach
    void stopServer() throws Exception {
        if (server != null) {
            server.shutdown(ShutdownMode.FAST).toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    private static void await(CompletionStage<?> stage) throws Exception {
        stage.toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private void awaitReceived() throws InterruptedException {
        assertTrue(echo.received.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS), "the request reached the service");
    }

    @Test
    void gracefulShutdownLetsTheRequestInFlightFinishAndRefusesNewConnections() throws Exception {
        startGatedEcho(LONG_GRACE_SECONDS);
        try (LineClient client = new LineClient(echo.port())) {
            client.send("in flight");
            awaitReceived();

            CompletionStage<Void> stage = server.shutdown(ShutdownMode.GRACEFUL);
            await(echo.stoppedAccepting);

            assertThrows(ConnectException.class, () -> new LineClient(echo.port()).close());
            assertFalse(stage.toCompletableFuture().isDone(), "a request is still in flight");
            assertFalse(echo.shutDown.isDone(), "services are not shut down while draining");

            echo.gate.complete(null);

            assertEquals("echo: in flight", client.readLine());
            await(stage);
            assertNull(client.readLine(), "the connection is closed once the service shut down");
        }
        assertTrue(echo.shutDown.isDone());
        assertTrue(server.eventLoops().isTerminated());
        assertSame(server.shutdown(ShutdownMode.GRACEFUL), server.shutdown(ShutdownMode.GRACEFUL));
    }

    @Test
    void gracefulShutdownDoesNotWaitForIdleConnections() throws Exception {
        startGatedEcho(LONG_GRACE_SECONDS);
        try (LineClient idle = new LineClient(echo.port())) {
            echo.gate.complete(null);
            assertEquals("echo: warm", idle.exchange("warm"));

            await(server.shutdown(ShutdownMode.GRACEFUL));

            assertNull(idle.readLine());
        }
    }

    @Test
    void theGracePeriodEndsADrainThatNeverFinishes() throws Exception {
        startGatedEcho(1);
        try (LineClient client = new LineClient(echo.port())) {
            client.send("stuck");
            awaitReceived();

            await(server.shutdown(ShutdownMode.GRACEFUL));

            assertNull(client.readLine(), "closed without an answer after the grace period");
        }
        assertTrue(server.eventLoops().isTerminated());
    }

    @Test
    void fastShutdownClosesTheRequestInFlight() throws Exception {
        startGatedEcho(LONG_GRACE_SECONDS);
        try (LineClient client = new LineClient(echo.port())) {
            client.send("in flight");
            awaitReceived();

            await(server.shutdown(ShutdownMode.FAST));

            assertNull(client.readLine(), "closed without an answer");
            assertFalse(echo.stoppedAccepting.isDone(), "a fast shutdown goes straight to shutdown()");
        }
        assertTrue(echo.shutDown.isDone());
        assertTrue(server.eventLoops().isTerminated());
    }

    @Test
    void fastShutdownDuringAGracefulOneEndsTheGracePeriod() throws Exception {
        startGatedEcho(LONG_GRACE_SECONDS);
        try (LineClient client = new LineClient(echo.port())) {
            client.send("in flight");
            awaitReceived();
            CompletionStage<Void> graceful = server.shutdown(ShutdownMode.GRACEFUL);
            await(echo.stoppedAccepting);

            assertSame(graceful, server.shutdown(ShutdownMode.FAST));

            await(graceful);
            assertNull(client.readLine());
        }
    }

    @Test
    void sigtermShutsDownGracefully() throws Exception {
        startGatedEcho(LONG_GRACE_SECONDS);
        try (LineClient client = new LineClient(echo.port())) {
            client.send("in flight");
            awaitReceived();

            CompletionStage<Void> stage = server.onSignal("TERM");
            await(echo.stoppedAccepting);
            echo.gate.complete(null);

            assertEquals("echo: in flight", client.readLine());
            await(stage);
        }
    }

    @Test
    void sigquitIsAGracefulShutdownSinceUpgradesAreNotSupported() throws Exception {
        startGatedEcho(LONG_GRACE_SECONDS);
        try (LineClient client = new LineClient(echo.port())) {
            client.send("in flight");
            awaitReceived();

            CompletionStage<Void> stage = server.onSignal("QUIT");
            await(echo.stoppedAccepting);
            echo.gate.complete(null);

            assertEquals("echo: in flight", client.readLine());
            await(stage);
        }
    }

    @Test
    void sighupReloadsInPlaceAndLeavesTheServerRunning() throws Exception {
        startGatedEcho(LONG_GRACE_SECONDS);
        try (LineClient client = new LineClient(echo.port())) {
            client.send("in flight");
            awaitReceived();

            CompletionStage<Void> stage = server.onSignal("HUP");

            assertTrue(stage.toCompletableFuture().isDone(), "a reload, not a shutdown to wait for");
            assertFalse(echo.stoppedAccepting.isDone(), "SIGHUP must not stop the service");
            echo.gate.complete(null);
            assertEquals("echo: in flight", client.readLine());
        }
        try (LineClient again = new LineClient(echo.port())) {
            again.send("after the reload");
            assertEquals("echo: after the reload", again.readLine(), "still accepting");
        }
    }

    @Test
    void sigintShutsDownFast() throws Exception {
        startGatedEcho(LONG_GRACE_SECONDS);
        try (LineClient client = new LineClient(echo.port())) {
            client.send("in flight");
            awaitReceived();

            await(server.onSignal("INT"));

            assertNull(client.readLine());
        }
        assertThrows(IllegalArgumentException.class, () -> server.onSignal("USR1"));
    }

    @Test
    void runReturnsOnceASignalShutTheServerDown() throws Exception {
        ServerConf conf = ServerConf.builder().gracePeriodSeconds(LONG_GRACE_SECONDS).build();
        server = new Server(Opt.defaults(), conf);
        echo = new LineEchoService("echo");
        server.addService(echo);
        CompletableFuture<Void> ran = runOnItsOwnThread(server::run);
        await(echo.started);
        try (LineClient client = new LineClient(echo.port())) {
            assertEquals("echo: up", client.exchange("up"));
        }

        server.onSignal("TERM");

        await(ran);
        assertTrue(server.eventLoops().isTerminated());
    }

    @Test
    void runForeverExits0AfterShutdown() throws Exception {
        server = new Server(Opt.defaults(), ServerConf.defaults());
        echo = new LineEchoService("echo");
        server.addService(echo);
        CompletableFuture<Integer> status = new CompletableFuture<>();
        server.exitHandler(status::complete);
        CompletableFuture<Void> ran = runOnItsOwnThread(server::runForever);
        await(echo.started);

        server.onSignal("INT");

        await(ran);
        assertEquals(0, status.getNow(-1));
    }

    @Test
    void runForeverExits1IfTheServerCannotStart() throws Exception {
        Server broken = new Server(Opt.defaults(), ServerConf.defaults());
        LineEchoService refusing = new LineEchoService("refusing");
        refusing.beforeStart = service -> {
            throw new IllegalStateException("refusing to start");
        };
        broken.addService(refusing);
        CompletableFuture<Integer> status = new CompletableFuture<>();
        broken.exitHandler(status::complete);

        broken.runForever();

        assertEquals(1, status.getNow(-1));
    }

    private static CompletableFuture<Void> runOnItsOwnThread(Runnable body) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        }, "test-run");
        thread.start();
        return done;
    }
}
