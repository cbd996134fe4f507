package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.uring.IoUring;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.server.Opt;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.server.ShutdownMode;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.MachineRequirement;
import org.pingora4j.core.testing.TestOrigin;

/**
 * The proxy end to end on Netty's io_uring transport: downstream and upstream sockets are io_uring
 * channels (an epoll or NIO channel cannot register on an io_uring loop, so a proxied response
 * proves the upstream side too). Where the kernel or sandbox refuses io_uring, skipped loudly outside
 * CI and failed in CI ({@link MachineRequirement}).
 */
final class IoUringProxyTest {

    @BeforeEach
    void requireIoUring() {
        MachineRequirement.require(IoUring.isAvailable(), "io_uring", IoUring.unavailabilityCause());
    }

    @Test
    void proxiesGetsOverOnePooledIoUringUpstreamConnection() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            PooledProxyTest.PooledProxy proxy = new PooledProxyTest.PooledProxy(origin.address());
            ProxyService<Void> service = ProxyService.httpProxyService(ServerConf.defaults(), proxy);
            try (ProxyFixture fixture = new ProxyFixture(service, true, Transport.ioUring())) {
                assertEquals("io_uring", fixture.transport.name());
                for (int i = 0; i < 5; i++) {
                    HttpResponse<String> response = fixture.get("/items/" + i);
                    assertEquals(200, response.statusCode());
                    assertEquals("hello", response.body());
                }
                assertTrue(proxy.logged.tryAcquire(5, 10, TimeUnit.SECONDS));
                assertEquals(List.of(false, true, true, true, true), proxy.reusedLog);
                assertEquals(1, origin.accepted(), "one upstream connection for five requests");
            }
        }
    }

    @Test
    void proxiesARequestBodyBothWays() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK,
                    "got " + ex.request().content().toString(StandardCharsets.UTF_8)));
            PooledProxyTest.PooledProxy proxy = new PooledProxyTest.PooledProxy(origin.address());
            ProxyService<Void> service = ProxyService.httpProxyService(ServerConf.defaults(), proxy);
            try (ProxyFixture fixture = new ProxyFixture(service, true, Transport.ioUring())) {
                String body = "x".repeat(100_000);
                HttpResponse<String> response = fixture.client.send(HttpRequest.newBuilder(fixture.uri("/upload"))
                                .timeout(Duration.ofSeconds(10))
                                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                assertEquals("got " + body, response.body());
            }
        }
    }

    @Test
    void theSystemPropertySelectsIoUringForAServer() throws Exception {
        String before = System.getProperty(Transport.PROPERTY);
        System.setProperty(Transport.PROPERTY, "io_uring");
        try (TestOrigin origin = TestOrigin.plain()) {
            PooledProxyTest.PooledProxy proxy = new PooledProxyTest.PooledProxy(origin.address());
            Server server = new Server(Opt.defaults(), ServerConf.defaults());
            server.bootstrap();
            ProxyService<Void> service = ProxyService.httpProxyService(server.conf(), proxy);
            service.addTcp("127.0.0.1:0");
            server.addService(service);
            server.start();
            try {
                assertNotNull(server.transport());
                assertEquals("io_uring", server.transport().name());
                URI uri = URI.create("http://127.0.0.1:" + service.boundAddresses().get(0).getPort() + "/");
                HttpResponse<String> response = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals("hello", response.body());
            } finally {
                server.shutdown(ShutdownMode.GRACEFUL).toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        } finally {
            if (before == null) {
                System.clearProperty(Transport.PROPERTY);
            } else {
                System.setProperty(Transport.PROPERTY, before);
            }
        }
    }
}
