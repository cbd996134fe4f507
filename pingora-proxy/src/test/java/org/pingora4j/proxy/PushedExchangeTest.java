package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pingora4j.core.protocols.http.ResponseHeader;
import org.pingora4j.core.testing.LeakCheckExtension;
import org.pingora4j.core.testing.TestOrigin;

/**
 * The pushed exchange's two harder paths: an upstream connection that lives on another event loop
 * than the client's (every part hops between the loops, one at a time), and a response filter that
 * completes later (the response waits, paused, then flows). Bodies must arrive byte for byte.
 */
@ExtendWith(LeakCheckExtension.class)
final class PushedExchangeTest {

    private static final int BIG = 1024 * 1024;
    private static final int UPLOAD = 256 * 1024;

    private final ScheduledExecutorService later = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void tearDown() {
        later.shutdownNow();
    }

    /** Answers GET /big with BIG bytes of a known pattern, and any POST with its body's length and CRC. */
    private static TestOrigin origin() throws InterruptedException {
        TestOrigin origin = TestOrigin.plain();
        origin.responder(ex -> {
            if (ex.request().uri().equals("/big")) {
                ex.reply(HttpResponseStatus.OK, pattern(BIG));
            } else {
                byte[] body = new byte[ex.request().content().readableBytes()];
                ex.request().content().getBytes(ex.request().content().readerIndex(), body);
                ex.reply(HttpResponseStatus.OK, body.length + " " + crc(body));
            }
        });
        return origin;
    }

    @Test
    void exchangesOnAConnectionOfAnotherLoopStreamBothWaysIntact() throws Exception {
        try (TestOrigin origin = origin(); ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()))) {
            // Accepted connections alternate between the fixture's two loops, and a request takes a
            // pooled connection of its own loop first, of the other loop otherwise: one upstream
            // connection serving sequential clients is used from both loops.
            String big = pattern(BIG);
            String upload = pattern(UPLOAD);
            String echo = UPLOAD + " " + crc(upload.getBytes(StandardCharsets.ISO_8859_1));
            for (int i = 0; i < 6; i++) {
                assertEquals(big, body(exchange(fixture, "GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")),
                        "GET " + i);
                assertEquals(echo, body(exchange(fixture, "POST /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                        + "Content-Length: " + UPLOAD + "\r\n\r\n" + upload)), "POST " + i);
            }
            fixture.awaitQuiet();
            assertTrue(fixture.service.connector().stats().pool().affinityFallbacks() > 0,
                    "some exchanges ran on a connection of the other loop");
            assertEquals(1, origin.accepted(), "every exchange left its connection reusable");
        }
    }

    /** The part of /big the origin writes first, on its own, in {@link #aResponseFilterThatCompletesLaterHoldsTheResponseUntilItDoes}. */
    private static final int FIRST_PART = 16 * 1024;

    @Test
    void aResponseFilterThatCompletesLaterHoldsTheResponseUntilItDoes() throws Exception {
        // Completed when the origin's first body part left it for the proxy, per response.
        AtomicReference<CompletableFuture<Void>> firstPartSent = new AtomicReference<>();
        List<String> premise = new CopyOnWriteArrayList<>();
        try (TestOrigin origin = TestOrigin.plain(); ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()) {
            @Override
            public CompletionStage<Void> responseFilter(Session session, ResponseHeader header, Void ctx) {
                CompletableFuture<Void> done = new CompletableFuture<>();
                CompletableFuture<Void> bodySent = firstPartSent.get();
                long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                // Completes once the proxy waits for it (it paused the exchange and hung its
                // continuation on this future) and body bytes left the origin meanwhile: the
                // response waits, paused, until the filter completes, then flows.
                later.execute(new Runnable() {
                    @Override
                    public void run() {
                        boolean waitedOn = done.getNumberOfDependents() > 0;
                        if (waitedOn && bodySent.isDone()) {
                            header.insertHeader("X-Filtered", "later");
                            done.complete(null);
                        } else if (System.nanoTime() - giveUp > 0) {
                            String why = "within 10 s, " + (waitedOn ? "" : "the proxy did not wait for the filter; ")
                                    + (bodySent.isDone() ? "" : "the origin's first body part did not leave it");
                            premise.add(why);
                            done.completeExceptionally(new AssertionError(why));
                        } else {
                            later.schedule(this, 1, TimeUnit.MILLISECONDS);
                        }
                    }
                });
                return done;
            }
        })) {
            byte[] big = pattern(BIG).getBytes(StandardCharsets.ISO_8859_1);
            origin.responder(ex -> {
                CompletableFuture<Void> sent = new CompletableFuture<>();
                firstPartSent.set(sent);
                DefaultHttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
                head.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, BIG);
                ex.ctx().write(head);
                ex.ctx().writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(big, 0, FIRST_PART)))
                        .addListener(f -> sent.complete(null));
                ex.ctx().writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(big, FIRST_PART, BIG - FIRST_PART)));
            });
            for (int i = 0; i < 3; i++) {
                String response = exchange(fixture, "GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                assertEquals(List.of(), premise, "the premise: the response waited for the filter, its body on the way");
                assertTrue(response.toLowerCase().contains("x-filtered: later"),
                        response.substring(0, Math.min(200, response.length())));
                assertEquals(pattern(BIG), body(response));
            }
        }
    }

    private static String exchange(ProxyFixture fixture, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", fixture.port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            in.transferTo(received);
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    private static String body(String response) {
        assertTrue(response.startsWith("HTTP/1.1 200 "), response.substring(0, Math.min(200, response.length())));
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }

    private static String pattern(int length) {
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append((char) ('a' + (i * 7 + i / 251) % 26));
        }
        return s.toString();
    }

    private static long crc(byte[] bytes) {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        return crc.getValue();
    }
}
