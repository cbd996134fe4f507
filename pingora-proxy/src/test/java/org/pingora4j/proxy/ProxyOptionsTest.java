package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.ServerSocket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/** Listeners, framing per client version, forwarding headers, retry policy and limits. */
final class ProxyOptionsTest {

    @Test
    void aTlsListenerServesHttpsClients() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            ProxyService<Void> service = ProxyService.httpProxyService(ServerConf.defaults(),
                    new PooledProxyTest.PooledProxy(origin.address()));
            service.addTls("127.0.0.1:0", TestCerts.file("server.crt").toString(), TestCerts.file("server.key").toString());
            try (ProxyFixture fixture = new ProxyFixture(service, false)) {
                HttpClient https = HttpClient.newBuilder().sslContext(TestCerts.clientContext()).version(HttpClient.Version.HTTP_1_1).build();
                int port = fixture.service.boundAddresses().get(0).getPort();
                HttpResponse<String> response = https.send(
                        HttpRequest.newBuilder(java.net.URI.create("https://localhost:" + port + "/secure")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, response.statusCode());
                assertEquals("hello", response.body());
            }
        }
    }

    @Test
    void aChunkedUpstreamResponseIsChunkedForHttp11AndCloseDelimitedForHttp10() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.writeRaw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"));
            try (ProxyFixture fixture = ProxyFixture.of(new PooledProxyTest.PooledProxy(origin.address()))) {
                HttpResponse<String> http11 = fixture.get("/chunked");
                assertEquals("hello world", http11.body());
                assertEquals("chunked", http11.headers().firstValue("transfer-encoding").orElse(""));

                String http10 = fixture.raw("GET /chunked HTTP/1.0\r\nHost: x\r\n\r\n");
                assertTrue(http10.startsWith("HTTP/1.1 200 OK"), http10);
                assertTrue(http10.endsWith("\r\n\r\nhello world"), "no chunk framing for HTTP/1.0: " + http10);
                assertTrue(!http10.toLowerCase().contains("transfer-encoding"), http10);
                assertEquals(1, origin.accepted(), "both went over one upstream connection");
            }
        }
    }

    @Test
    void forwardingHeadersAreAddedWhenAskedFor() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                seen.add(ex.request().headers().get("X-Forwarded-For") + "|" + ex.request().headers().get("Via"));
                ex.reply(HttpResponseStatus.OK, "hello");
            });
            ProxyService<Void> service = ProxyService.builder(ServerConf.defaults(), new PooledProxyTest.PooledProxy(origin.address()))
                    .serverOptions(HttpServerOptions.builder().xForwardedFor(true).via("pingora4j").build())
                    .build();
            try (ProxyFixture fixture = new ProxyFixture(service)) {
                HttpResponse<String> response = fixture.get("/f");
                assertEquals(List.of("127.0.0.1|1.1 pingora4j"), seen);
                assertEquals("1.1 pingora4j", response.headers().firstValue("via").orElse(""));
            }
        }
    }

    @Test
    void failToConnectMayRetryOnAnotherPeerAndMaxRetriesBoundsTheLoop() throws Exception {
        String dead = deadAddress();
        try (TestOrigin origin = TestOrigin.plain()) {
            AtomicInteger peersAsked = new AtomicInteger();
            ProxyHttp<Void> failover = new ProxyHttp<>() {
                @Override
                public Void newCtx() {
                    return null;
                }

                @Override
                public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
                    boolean firstTry = session.retries() == 0;
                    peersAsked.incrementAndGet();
                    String target = session.reqHeader().uri().equals("/failover") && !firstTry ? origin.address() : dead;
                    return CompletableFuture.completedStage(new HttpPeer(target, false, ""));
                }

                @Override
                public PingoraException failToConnect(Session session, HttpPeer peer, Void ctx, PingoraException e) {
                    return e.setRetry(true);
                }
            };
            ProxyService<Void> service = ProxyService.httpProxyService(ServerConf.builder().maxRetries(3).build(), failover);
            try (ProxyFixture fixture = new ProxyFixture(service)) {
                assertEquals(200, fixture.get("/failover").statusCode());
                assertEquals(2, peersAsked.getAndSet(0));

                assertEquals(502, fixture.get("/always-dead").statusCode());
                assertEquals(4, peersAsked.get(), "one try plus max_retries (3) retries");
            }
        }
    }

    @Test
    void aRefusedConnectIsRetriedByDefaultEvenForAPost() throws Exception {
        String dead = deadAddress();
        try (TestOrigin origin = TestOrigin.plain()) {
            ProxyHttp<Void> failover = new ProxyHttp<>() {
                @Override
                public Void newCtx() {
                    return null;
                }

                @Override
                public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
                    String target = session.retries() == 0 ? dead : origin.address();
                    return CompletableFuture.completedStage(new HttpPeer(target, false, ""));
                }
            };
            try (ProxyFixture fixture = ProxyFixture.of(failover)) {
                java.net.http.HttpResponse<String> r = fixture.client.send(java.net.http.HttpRequest.newBuilder(fixture.uri("/order"))
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("pay once")).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), "nothing was sent to the dead peer: the POST goes to the next");
                assertEquals(1, origin.requests());
            }
        }
    }

    @Test
    void theKeepaliveRequestLimitClosesTheClientConnection() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            ProxyService<Void> service = ProxyService.builder(ServerConf.defaults(), new PooledProxyTest.PooledProxy(origin.address()))
                    .serverOptions(HttpServerOptions.builder().keepaliveRequestLimit(2).build())
                    .build();
            try (ProxyFixture fixture = new ProxyFixture(service)) {
                String responses = fixture.raw("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
                assertEquals(2, responses.split("HTTP/1.1 200 OK", -1).length - 1, responses);
                assertTrue(responses.toLowerCase().contains("connection: close"), responses);
            }
        }
    }

    /** A loopback address nothing listens on: connecting is refused. */
    private static String deadAddress() throws java.io.IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }
}
