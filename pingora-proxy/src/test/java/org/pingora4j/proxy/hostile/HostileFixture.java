package org.pingora4j.proxy.hostile;

import org.pingora4j.core.testing.Bounded;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import org.pingora4j.core.testing.ManualClock;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.proxy.HttpServerOptions;
import org.pingora4j.proxy.ProxyService;

/** A {@link HostileProxy} service on 127.0.0.1 in front of a {@link RawOrigin}, with its own event loops. */
final class HostileFixture implements AutoCloseable {

    private final EventLoopGroup loops;
    private final ProxyService<Void> service;
    private boolean closed;

    HostileFixture(RawOrigin origin) throws Exception {
        this(origin, HttpServerOptions.defaults(), Duration.ofSeconds(10));
    }

    HostileFixture(RawOrigin origin, HttpServerOptions options, Duration upstreamReadTimeout) throws Exception {
        this(origin, options, upstreamReadTimeout, null);
    }

    /** With {@code clock} (if not null) driving the proxy's client-side timeouts. */
    HostileFixture(RawOrigin origin, HttpServerOptions options, Duration upstreamReadTimeout, ManualClock clock) throws Exception {
        Transport transport = Transport.best();
        loops = new MultiThreadIoEventLoopGroup(2, transport.ioHandlerFactory());
        ProxyService.Builder<Void> builder = ProxyService.builder(ServerConf.defaults(), new HostileProxy(origin.address(), upstreamReadTimeout))
                .serverOptions(options);
        if (clock != null) {
            builder.clock(clock, clock);
        }
        service = builder.build();
        service.addTcp("127.0.0.1:0");
        service.start(new ServiceContext(ServerConf.defaults(), loops, transport));
    }

    int port() {
        return service.boundAddresses().get(0).getPort();
    }

    /** The client connections the proxy holds now. */
    int openConnections() {
        return service.openConnections();
    }

    /**
     * Waits until every event loop ran what was handed to it before this call, and what that
     * handed on (twice round the loops): what a moved clock started has happened.
     */
    void awaitQuiet() {
        for (int round = 0; round < 2; round++) {
            for (EventExecutor loop : loops) {
                Future<?> ran = loop.submit(() -> { });
                if (!ran.awaitUninterruptibly(10, TimeUnit.SECONDS) || !ran.isSuccess()) {
                    throw new AssertionError("event loop " + loop + " did not run a task within 10 s", ran.cause());
                }
            }
        }
    }

    /** Stops the proxy and closes every connection it holds, upstream ones included. Idempotent. */
    void stop() {
        if (closed) {
            return;
        }
        closed = true;
        service.stopAccepting();
        service.shutdown();
        Bounded.await(loops.shutdownGracefully(0, 1, TimeUnit.SECONDS), "the hostile fixture's event loops shutting down");
    }

    @Override
    public void close() {
        stop();
    }
}
