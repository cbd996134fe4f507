package org.pingora4j.core.server;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.pingora4j.core.services.ListeningService;
import org.pingora4j.core.services.ServiceContext;

/**
 * A line echo for server tests: answers {@code echo: <line>} to each line, optionally only once the
 * test completes {@link #gate}, so that a request stays in flight as long as the test wants without
 * anyone sleeping. It is drained when no request awaits its answer, and records what the server
 * did to it.
 */
final class LineEchoService extends ListeningService {

    /** Completing it lets the held answers go; already complete unless the service is gated. */
    final CompletableFuture<Void> gate;
    /** One permit per request received. */
    final Semaphore received = new Semaphore(0);
    /** Completes when start() returned, its listeners bound. */
    final CompletableFuture<ServiceContext> started = new CompletableFuture<>();
    /** Completes when the server's stopAccepting() finished closing the listeners. */
    final CompletableFuture<Void> stoppedAccepting = new CompletableFuture<>();
    /** Completes when the server called shutdown(). */
    final CompletableFuture<Void> shutDown = new CompletableFuture<>();
    /** The threads that accepted connections: the event loops the server gave this service. */
    final Set<Thread> connectionThreads = ConcurrentHashMap.newKeySet();
    final AtomicBoolean startCalled = new AtomicBoolean();
    /** Runs first in start(); a test may record the call or throw. */
    volatile Consumer<LineEchoService> beforeStart = service -> { };

    private volatile int port;
    private int inFlight;
    private CompletableFuture<Void> idle = CompletableFuture.completedFuture(null);

    /** Creates an ungated echo listening on a free loopback port. */
    LineEchoService(String name) {
        this(name, false);
    }

    /** Creates an echo on a free loopback port; if {@code gated}, answers wait for {@link #gate}. */
    LineEchoService(String name, boolean gated) {
        super(name);
        addTcp("127.0.0.1:0");
        gate = gated ? new CompletableFuture<>() : CompletableFuture.completedFuture(null);
    }

    /** Returns the port the first listener was bound to, even once it is closed. */
    int port() {
        return port;
    }

    @Override
    public void start(ServiceContext context) throws Exception {
        startCalled.set(true);
        beforeStart.accept(this);
        super.start(context);
        port = boundAddresses().get(0).getPort();
        started.complete(context);
    }

    @Override
    protected void initConnection(Channel channel, boolean tls) {
        connectionThreads.add(Thread.currentThread());
        channel.config().setAutoRead(true);
        channel.pipeline().addLast(new LineBasedFrameDecoder(1024),
                new StringDecoder(StandardCharsets.UTF_8), new StringEncoder(StandardCharsets.UTF_8),
                new SimpleChannelInboundHandler<String>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, String line) {
                        begin();
                        received.release();
                        // Answer on the connection's own loop, whoever completes the gate.
                        gate.thenRun(() -> ctx.executor().execute(() -> ctx.writeAndFlush("echo: " + line + "\n")
                                .addListener(f -> end())));
                    }
                });
    }

    private synchronized void begin() {
        if (inFlight++ == 0) {
            idle = new CompletableFuture<>();
        }
    }

    private void end() {
        CompletableFuture<Void> nowIdle = null;
        synchronized (this) {
            if (--inFlight == 0) {
                nowIdle = idle;
            }
        }
        if (nowIdle != null) {
            nowIdle.complete(null);
        }
    }

    @Override
    public synchronized CompletionStage<Void> drained() {
        return idle;
    }

    @Override
    public CompletionStage<Void> stopAccepting() {
        return super.stopAccepting().whenComplete((v, e) -> stoppedAccepting.complete(null));
    }

    @Override
    public void shutdown() {
        shutDown.complete(null);
        super.shutdown();
    }
}
