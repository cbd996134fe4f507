package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.http.RequestHeader;
import org.pingora4j.core.server.Opt;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.server.ShutdownMode;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/** The connection-pool chapter's PooledProxy, in Java, against a loopback origin. */
final class PooledProxyTest {

    /** The chapter's example with the same shape; only the upstream address points at the test origin. */
    static final class PooledProxy implements ProxyHttp<Void> {
        private final String upstream;
        final List<Boolean> reusedLog = new CopyOnWriteArrayList<>();
        /** Released once per logging call: it runs after the response reached the client's socket. */
        final Semaphore logged = new Semaphore(0);

        PooledProxy(String upstream) {
            this.upstream = upstream;
        }

        @Override
        public Void newCtx() {
            return null;
        }

        @Override
        public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
            HttpPeer peer = new HttpPeer(upstream, false, "api.example.com")
                    .withOptions(o -> o.idleTimeout(Duration.ofSeconds(60))
                            .connectionTimeout(Duration.ofSeconds(5))
                            .totalConnectionTimeout(Duration.ofSeconds(10)));
            return CompletableFuture.completedStage(peer);
        }

        @Override
        public CompletionStage<Void> upstreamRequestFilter(Session session, RequestHeader upstreamRequest, Void ctx) {
            upstreamRequest.insertHeader("Host", "api.example.com");
            return DONE;
        }

        @Override
        public void logging(Session session, PingoraException error, Void ctx) {
            if (session.upstreamDigest() != null) {
                boolean reused = session.upstreamDigest().reused();
                reusedLog.add(reused);
            }
            logged.release();
        }
    }

    @Test
    void theChaptersMainRunsOnARealServer() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            PooledProxy proxy = new PooledProxy(origin.address());
            // The chapter's main, but on an ephemeral loopback port and stopped by the test.
            Server server = new Server(Opt.defaults(), ServerConf.builder().upstreamKeepalivePoolSize(256).build());
            server.bootstrap();
            ProxyService<Void> proxyService = ProxyService.httpProxyService(server.conf(), proxy);
            proxyService.addTcp("127.0.0.1:0");
            server.addService(proxyService);
            server.start();
            try {
                assertEquals(256, proxyService.connector().stats().pool().capacity());
                java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
                java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + proxyService.boundAddresses().get(0).getPort() + "/");
                for (int i = 0; i < 3; i++) {
                    assertEquals("hello", client.send(java.net.http.HttpRequest.newBuilder(uri).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString()).body());
                }
                assertTrue(proxy.logged.tryAcquire(3, 10, TimeUnit.SECONDS));
                assertEquals(List.of(false, true, true), proxy.reusedLog);
            } finally {
                server.shutdown(ShutdownMode.GRACEFUL).toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            assertEquals(0, proxyService.connector().stats().pool().idle(), "shutdown closed the pooled connections");
        }
    }

    @Test
    void connectionsAreReusedFromTheSecondRequestOnAndHostIsRewritten() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            PooledProxy proxy = new PooledProxy(origin.address());
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                for (int i = 0; i < 5; i++) {
                    HttpResponse<String> response = fixture.get("/v1/items?page=" + i);
                    assertEquals(200, response.statusCode());
                    assertEquals("hello", response.body());
                }
                assertTrue(proxy.logged.tryAcquire(5, 10, TimeUnit.SECONDS));
                assertEquals(List.of(false, true, true, true, true), proxy.reusedLog);
                assertEquals(1, origin.accepted(), "one upstream handshake for five requests");
                assertTrue(origin.hosts().stream().allMatch("api.example.com"::equals), origin.hosts().toString());
            }
        }
    }
}
