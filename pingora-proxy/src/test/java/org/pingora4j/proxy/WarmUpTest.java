package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * The start-up warm-up drives its requests through a copy of the service before the listeners open:
 * all answered, none of the user's code, meters or access log touched, nothing left open.
 */
final class WarmUpTest {

    private final AtomicInteger phasesCalled = new AtomicInteger();
    private EventLoopGroup loops;
    private ProxyService<Void> service;
    /** The sockets open once the loops exist (loading the native transport opens one of its own). */
    private Set<Long> socketsBefore;

    @AfterEach
    void tearDown() {
        if (service != null) {
            service.stopAccepting();
            service.shutdown();
        }
        if (loops != null) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void answersEveryRequestOnAsManyConnectionsAsAskedThroughACopyOfTheService() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ByteArrayOutputStream accessLines = new ByteArrayOutputStream();

        start(Transport.best(), builder -> builder
                .metrics(registry)
                .accessLog(AccessLog.builder().toStream(accessLines).build())
                .warmUp(WarmUp.builder().requests(1200).requestsPerConnection(4).concurrency(8)
                        .timeLimit(Duration.ofSeconds(60)).build()));

        WarmUpRun.Result result = service.warmedUp();
        // one connection in eight closes before its last answer, one in eight resets in the middle of it
        assertEquals(1200, result.answered() + result.abandoned(), "requests answered 200 or left by their client: " + result);
        // about a quarter of the 300 connections; the last few may run out of requests before their last one
        assertTrue(result.abandoned() >= 300 / 4 - 8 && result.abandoned() <= 300 / 4 + 2,
                "requests left by their client: " + result);
        assertEquals(0, result.failed());
        // 4 a connection, but the last ones may share the last requests: one each at worst
        assertTrue(result.connections() >= 300 && result.connections() <= 300 + 8, "connections: " + result);
        assertTrue(result.finished());
        assertTrue(result.originConnections() >= 1200 / WarmUpOrigin.REQUESTS_PER_CONNECTION,
                "the origin closes a connection after 16 answers, so the copy opens upstream connections: " + result);
        assertEquals(0, phasesCalled.get(), "the service's own ProxyHttp never ran");
        assertEquals(0.0, registry.get("pingora.proxy.requests").counters().stream()
                .mapToDouble(c -> c.count()).sum(), "the service's meters counted nothing");
        service.shutdown(); // flushes the access log
        assertEquals(0, accessLines.size(), "the service's access log wrote nothing");
        // The service's own listener closes asynchronously on shutdown; the warm-up's are closed already.
        Await.until("every socket closed", Duration.ofSeconds(10),
                () -> Descriptors.now().socketsNotIn(socketsBefore).isEmpty(),
                () -> "left open: " + Descriptors.now().socketsNotIn(socketsBefore));
    }

    @Test
    void stopsAtItsTimeLimitWithWhatItDid() throws Exception {
        start(Transport.best(), builder -> builder.warmUp(WarmUp.builder().requests(Integer.MAX_VALUE)
                .timeLimit(Duration.ofMillis(200)).build()));

        WarmUpRun.Result result = service.warmedUp();
        assertTrue(result.finished(), "connections closed after the limit");
        assertTrue(result.answered() > 0 && result.answered() < Integer.MAX_VALUE, "stopped by time: " + result);
        assertEquals(0, result.failed());
    }

    @Test
    void isOffByDefault() throws Exception {
        start(Transport.best(), builder -> builder);

        assertNull(service.warmedUp());
    }

    @Test
    void isSkippedOnTheInMemoryTransport() throws Exception {
        start(Transport.local(), builder -> builder.warmUp(WarmUp.defaults()));

        assertNull(service.warmedUp());
    }

    @Test
    void optionsAreValidated() {
        assertThrows(IllegalArgumentException.class, () -> WarmUp.builder().requests(-1));
        assertThrows(IllegalArgumentException.class, () -> WarmUp.builder().requestsPerConnection(0));
        assertThrows(IllegalArgumentException.class, () -> WarmUp.builder().concurrency(0));
        assertThrows(IllegalArgumentException.class, () -> WarmUp.builder().concurrency(1025));
        assertThrows(IllegalArgumentException.class, () -> WarmUp.builder().timeLimit(Duration.ZERO));
        assertThrows(NullPointerException.class, () -> WarmUp.builder().timeLimit(null));
        assertFalse(WarmUp.off().enabled());
        assertFalse(WarmUp.builder().requests(0).build().enabled());
        assertTrue(WarmUp.defaults().enabled());
        assertEquals(WarmUp.DEFAULT_REQUESTS, WarmUp.defaults().requests());
    }

    private void start(Transport transport, java.util.function.UnaryOperator<ProxyService.Builder<Void>> options)
            throws Exception {
        ServerConf conf = ServerConf.builder().threads(2).build();
        loops = new MultiThreadIoEventLoopGroup(2, transport.ioHandlerFactory());
        socketsBefore = Descriptors.now().sockets();
        service = options.apply(ProxyService.builder(conf, new CountingPhases())).build();
        service.addTcp("127.0.0.1:0");
        service.start(new ServiceContext(conf, loops, transport));
    }

    /** Counts any call: the warm-up must never reach the user's phases. */
    private final class CountingPhases implements ProxyHttp<Void> {
        @Override
        public Void newCtx() {
            phasesCalled.incrementAndGet();
            return null;
        }

        @Override
        public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
            phasesCalled.incrementAndGet();
            return CompletableFuture.completedStage(HttpPeer.plain("127.0.0.1:9"));
        }
    }
}
