package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.TestOrigin;

/** The client side: keep-alive, pipelining, Expect, HEAD, clients that leave, graceful drain. */
final class ProxyConnectionTest {

    private static PooledProxyTest.PooledProxy proxyTo(TestOrigin origin) {
        return new PooledProxyTest.PooledProxy(origin.address());
    }

    /** Reads from {@code in} until {@code text} was seen (or EOF), returning all bytes read. */
    private static String readUntil(InputStream in, String text) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            seen.write(b);
            if (seen.toString(StandardCharsets.ISO_8859_1).endsWith(text)) {
                break;
            }
        }
        return seen.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK, "path=" + ex.request().uri()));
            try (ProxyFixture fixture = ProxyFixture.of(proxyTo(origin))) {
                String responses = fixture.raw("GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /two HTTP/1.1\r\nHost: x\r\n\r\n"
                        + "GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                int one = responses.indexOf("path=/one");
                int two = responses.indexOf("path=/two");
                int three = responses.indexOf("path=/three");
                assertTrue(one > 0 && two > one && three > two, responses);
                assertEquals(3, responses.split("HTTP/1.1 200 OK", -1).length - 1, responses);
            }
        }
    }

    @Test
    void expectContinueIsAnsweredWhenTheUpstreamIsReady() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK,
                    "got:" + ex.request().content().toString(StandardCharsets.UTF_8)
                            + " expect:" + ex.request().headers().get("Expect")));
            try (ProxyFixture fixture = ProxyFixture.of(proxyTo(origin));
                 Socket socket = new Socket("127.0.0.1", fixture.port())) {
                socket.setSoTimeout(10_000);
                OutputStream out = socket.getOutputStream();
                out.write(("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                        + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                InputStream in = socket.getInputStream();
                assertTrue(readUntil(in, "\r\n\r\n").startsWith("HTTP/1.1 100 Continue"));
                out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                String response = readUntil(in, "expect:null");
                assertTrue(response.startsWith("HTTP/1.1 200 OK"), response);
                assertTrue(response.endsWith("got:hello expect:null"), "the proxy answered Expect itself: " + response);
            }
        }
    }

    @Test
    void headResponsesCarryNoBodyAndKeepTheConnection() throws Exception {
        try (TestOrigin origin = TestOrigin.plain();
             ProxyFixture fixture = ProxyFixture.of(proxyTo(origin))) {
            HttpResponse<String> head = fixture.client.send(HttpRequest.newBuilder(fixture.uri("/h"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, head.statusCode());
            assertEquals("", head.body());
            assertEquals("5", head.headers().firstValue("content-length").orElse(""));
            assertEquals("hello", fixture.get("/after-head").body());
            assertEquals(1, origin.accepted());
        }
    }

    @Test
    void oneClientConnectionServesManyRequests() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            PooledProxyTest.PooledProxy proxy = proxyTo(origin);
            try (ProxyFixture fixture = ProxyFixture.of(proxy)) {
                for (int i = 0; i < 10; i++) {
                    assertEquals(200, fixture.get("/" + i).statusCode());
                }
                assertEquals(1, fixture.service.openConnections(), "the client kept one connection");
                assertEquals(1, origin.accepted());
            }
        }
    }

    @Test
    void aClientThatLeavesMidResponseDoesNotPoisonThePool() throws Exception {
        CountDownLatch firstRequestArrived = new CountDownLatch(1);
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                if (ex.request().uri().equals("/big")) {
                    // Head and part of the body, then nothing: the client leaves meanwhile.
                    ex.writeRaw("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + "x".repeat(1000));
                    firstRequestArrived.countDown();
                } else {
                    ex.reply(HttpResponseStatus.OK, "hello");
                }
            });
            try (ProxyFixture fixture = ProxyFixture.of(proxyTo(origin))) {
                try (Socket socket = new Socket("127.0.0.1", fixture.port())) {
                    socket.getOutputStream().write("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    assertTrue(firstRequestArrived.await(10, TimeUnit.SECONDS));
                    assertTrue(readUntil(socket.getInputStream(), "xxxx").contains("200 OK"));
                }
                HttpResponse<String> next = fixture.get("/small");
                assertEquals("hello", next.body());
                assertEquals(2, origin.accepted(), "the half-read upstream connection was not reused");
                // Counted as a client that left (logged at DEBUG), not as a failure to proxy.
                Await.until("the client's leaving was counted", java.time.Duration.ofSeconds(10),
                        () -> fixture.service.clientsGone() > 0);
                assertEquals(1, fixture.service.clientsGone());
            }
        }
    }

    @Test
    void gracefulStopFinishesTheRequestInFlightAndRefusesNewOnes() throws Exception {
        CountDownLatch arrived = new CountDownLatch(1);
        CompletableFuture<Runnable> answer = new CompletableFuture<>();
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                answer.complete(() -> ex.reply(HttpResponseStatus.OK, "late but whole"));
                arrived.countDown();
            });
            try (ProxyFixture fixture = ProxyFixture.of(proxyTo(origin))) {
                CompletableFuture<HttpResponse<String>> inFlight = fixture.client.sendAsync(
                        HttpRequest.newBuilder(fixture.uri("/slow")).build(), HttpResponse.BodyHandlers.ofString());
                assertTrue(arrived.await(10, TimeUnit.SECONDS));
                int port = fixture.port();
                fixture.service.stopAccepting().toCompletableFuture().get(10, TimeUnit.SECONDS);
                assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
                assertFalse(fixture.service.drained().toCompletableFuture().isDone(), "a request is in flight");

                answer.get(10, TimeUnit.SECONDS).run();
                HttpResponse<String> response = inFlight.get(10, TimeUnit.SECONDS);
                assertEquals(200, response.statusCode());
                assertEquals("late but whole", response.body());
                assertEquals("close", response.headers().firstValue("connection").orElse(""));
                fixture.service.drained().toCompletableFuture().get(10, TimeUnit.SECONDS);
                assertEquals(0, fixture.service.requestsInFlight());
            }
        }
    }
}
