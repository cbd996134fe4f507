package org.pingora4j.proxy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.core.upstreams.HttpPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One warm-up (see {@link WarmUp}): an origin and a copy of the service on loopback ports, on the
 * server's own event loops and transport, and {@link WarmUp#concurrency()} clients that connect,
 * make their share of requests, close, and are replaced until the requests or the time run out.
 * Runs on the thread that starts the service, which waits for it; the traffic runs on the loops.
 *
 * <p>Design note: the counters are atomics because the clients live on every loop; {@code open}
 * counts connections from the moment one is asked for, so that the run is over exactly when it
 * reaches zero with nothing left to send.
 */
final class WarmUpRun implements WarmUpClient.Run {

    private static final Logger logger = LoggerFactory.getLogger(WarmUp.class);
    /** Past the time limit, how long the run waits for its connections to close. */
    private static final long CLOSE_GRACE_MILLIS = 1000;

    private final WarmUp options;
    private final long deadline;
    private final AtomicLong next = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong abandoned = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong originConnections = new AtomicLong();
    private final AtomicInteger open = new AtomicInteger();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final WarmUpTraffic traffic;
    private Bootstrap clients;
    private Result result;
    private volatile Throwable connectFailure;

    private WarmUpRun(WarmUp options, WarmUpTraffic traffic) {
        this.options = options;
        this.traffic = traffic;
        this.deadline = System.nanoTime() + options.timeLimit().toNanos();
    }

    /**
     * What one warm-up did.
     *
     * @param answered requests answered 200
     * @param failed requests answered otherwise, or whose connection closed before the answer was whole
     * @param abandoned requests their client left unanswered on purpose (see {@link WarmUpClient.Leave})
     * @param connections client connections opened
     * @param originConnections upstream connections the copy opened to the warm-up's origin
     * @param millis how long it took, from start to the last connection closed
     * @param finished whether every connection closed within the time limit and its grace
     */
    record Result(long answered, long failed, long abandoned, long connections, long originConnections, long millis, boolean finished) {
    }

    /**
     * Warms {@code service}'s code up before its listeners open, then logs what was done in one
     * line. Never fails the start: what goes wrong is logged and the service starts cold.
     *
     * @return what was done; null if nothing ran (no sockets, or it could not start)
     */
    static Result warm(ProxyService<?> service, ServiceContext context, WarmUp options) {
        if (!context.transport().sockets()) {
            logger.debug("warm-up skipped: the {} transport has no sockets", context.transport().name());
            return null;
        }
        long start = System.nanoTime();
        try (WarmUpTraffic traffic = new WarmUpTraffic()) {
            WarmUpRun run = new WarmUpRun(options, traffic);
            run.run(service, context, start);
            return run.result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            logger.warn("warm-up interrupted, starting cold");
            return null;
        } catch (Exception e) {
            logger.warn("warm-up failed, starting cold: {}", String.valueOf(e));
            return null;
        }
    }

    private void run(ProxyService<?> service, ServiceContext context, long start) throws Exception {
        Transport transport = context.transport();
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Channel origin = new ServerBootstrap()
                .group(context.eventLoops())
                .channel(transport.serverChannelType())
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        channels.add(ch);
                        originConnections.incrementAndGet();
                        ch.pipeline().addLast(new WarmUpOrigin(traffic));
                    }
                })
                .bind(new InetSocketAddress(loopback, 0)).sync().channel();
        ProxyService<Void> copy = copyOf(service, ((InetSocketAddress) origin.localAddress()).getPort());
        try {
            copy.addTcp(loopback.getHostAddress() + ":0");
            copy.start(context);
            clients = new Bootstrap()
                    .group(context.eventLoops())
                    .channel(transport.socketChannelType())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .remoteAddress(copy.boundAddresses().get(0));
            for (int i = 0; i < options.concurrency(); i++) {
                connectIfMore();
            }
            if (open.get() == 0) {
                done.complete(null);
            }
            report(start, awaitDone(options.timeLimit().toMillis() + CLOSE_GRACE_MILLIS));
        } finally {
            // Connections still open past the limit and its grace close here, with the copy.
            copy.stopAccepting();
            copy.shutdown();
            origin.close().awaitUninterruptibly(CLOSE_GRACE_MILLIS);
            channels.close().awaitUninterruptibly(CLOSE_GRACE_MILLIS);
        }
    }

    /** The service's copy: its server options and kind of meters and access log, none of its data. */
    private static ProxyService<Void> copyOf(ProxyService<?> service, int originPort) {
        HttpPeer peer = HttpPeer.plain(InetAddress.getLoopbackAddress().getHostAddress() + ":" + originPort);
        ProxyService.Builder<Void> copy = ProxyService.builder(service.conf(), new WarmUpPhases(peer))
                .name("pingora4j warm-up")
                .serverOptions(service.serverOptions())
                .warmUpCopy();
        if (service.hasMetrics()) {
            copy.metrics(new SimpleMeterRegistry());
        }
        if (service.accessLog() != null) {
            copy.accessLog(AccessLog.builder().format(service.accessLog().format())
                    .toStream(OutputStream.nullOutputStream()).build());
        }
        return copy.build();
    }

    private boolean awaitDone(long millis) throws InterruptedException {
        try {
            done.get(millis, TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Opens another connection if a request is left for it to send, which it claims now. */
    private void connectIfMore() {
        long first = nextRequest();
        if (first < 0) {
            return;
        }
        open.incrementAndGet();
        WarmUpClient.Leave leave = leave(connections.incrementAndGet());
        ChannelFuture connecting = clients.clone().handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                channels.add(ch);
                ch.pipeline().addLast(new WarmUpClient(WarmUpRun.this, traffic, options.requestsPerConnection(), first, leave));
            }
        }).connect();
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                connectFailure = f.cause();
                closed(); // no channelInactive for a connection that never opened
            }
        });
    }

    /** One connection in eight closes before its last answer, one in eight resets in the middle of it. */
    private static WarmUpClient.Leave leave(long connection) {
        return switch ((int) (connection % 8)) {
            case 3 -> WarmUpClient.Leave.CLOSE_BEFORE_ANSWER;
            case 7 -> WarmUpClient.Leave.RESET_MID_ANSWER;
            default -> WarmUpClient.Leave.AFTER_ANSWER;
        };
    }

    @Override
    public long nextRequest() {
        if (connectFailure != null || System.nanoTime() - deadline > 0) {
            return -1;
        }
        long n = next.getAndIncrement();
        return n < options.requests() ? n : -1;
    }

    @Override
    public void answered(boolean ok) {
        (ok ? answered : failed).incrementAndGet();
    }

    @Override
    public void abandoned() {
        abandoned.incrementAndGet();
    }

    @Override
    public void closed() {
        connectIfMore();
        if (open.decrementAndGet() == 0) {
            done.complete(null);
        }
    }

    private void report(long start, boolean finished) {
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        result = new Result(answered.get(), failed.get(), abandoned.get(), connections.get(), originConnections.get(), millis, finished);
        String what = answered.get() + " requests (" + abandoned.get() + " more left by their client) on "
                + connections.get() + " connections (" + originConnections.get() + " upstream) in " + millis + " ms";
        if (connectFailure != null) {
            logger.warn("warm-up stopped early, {}: cannot connect to its own loopback port: {}", what, String.valueOf(connectFailure));
        } else if (failed.get() > 0 || !finished) {
            logger.warn("warm-up: {}; {} requests failed (not answered 200){}", what, failed.get(),
                    finished ? "" : "; its connections did not close in time");
        } else {
            logger.info("warmed up: {}", what);
        }
    }

    /** The copy's phases: every request to the warm-up's origin, nothing else. */
    private record WarmUpPhases(HttpPeer peer) implements ProxyHttp<Void> {
        @Override
        public Void newCtx() {
            return null;
        }

        @Override
        public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
            return CompletableFuture.completedStage(peer);
        }
    }
}
