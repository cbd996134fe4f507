package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/** The built-in access log, read back as a user's log tool would read it. */
final class AccessLogTest {

    private static final Duration CAP = Duration.ofSeconds(10);

    /** Proxies to the origin; refuses {@code /deny}; remembers each request's id as the phases saw it. */
    private static final class LoggedProxy implements ProxyHttp<Void> {
        final String origin;
        final Queue<String> ids = new ConcurrentLinkedQueue<>();

        LoggedProxy(String origin) {
            this.origin = origin;
        }

        @Override
        public Void newCtx() {
            return null;
        }

        @Override
        public CompletionStage<Boolean> requestFilter(Session session, Void ctx) {
            if (session.requestId() != null) {
                ids.add(session.requestId());
            }
            if (session.reqHeader().path().equals("/deny")) {
                throw PingoraException.httpStatus(403, "no token");
            }
            return CONTINUE;
        }

        @Override
        public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
            return CompletableFuture.completedStage(HttpPeer.plain(origin));
        }
    }

    private static ProxyFixture start(LoggedProxy proxy, AccessLog log, boolean requestIds) throws Exception {
        return new ProxyFixture(ProxyService.builder(ServerConf.defaults(), proxy).accessLog(log)
                .serverOptions(HttpServerOptions.builder().requestId(requestIds).build()).build());
    }

    private static HttpResponse<String> get(ProxyFixture fixture, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(fixture.uri(path)).timeout(CAP);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return fixture.client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<String> lines(ByteArrayOutputStream out, AccessLog log, int n) {
        Await.until(n + " lines written and flushed", CAP,
                () -> log.written() >= n && out.toString(StandardCharsets.UTF_8).chars().filter(c -> c == '\n').count() >= n);
        return List.of(out.toString(StandardCharsets.UTF_8).split("\n"));
    }

    @Test
    void aJsonLineCarriesEveryField() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            Queue<String> seenIds = new ConcurrentLinkedQueue<>();
            origin.responder(ex -> {
                seenIds.add(String.valueOf(ex.request().headers().get("x-request-id")));
                ex.reply(HttpResponseStatus.OK, "a".repeat(2048));
            });
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            AccessLog log = AccessLog.builder().format(AccessLog.Format.JSON).toStream(out).build();
            LoggedProxy proxy = new LoggedProxy(origin.address());
            try (ProxyFixture fixture = start(proxy, log, true)) {
                assertEquals(200, get(fixture, "/items?page=2", "User-Agent", "probe/1.0", "Referer", "https://ref.example/").statusCode());
                assertEquals(403, get(fixture, "/deny").statusCode());
                List<String> lines = lines(out, log, 2);
                String ok = lines.get(0);
                String id = proxy.ids.peek();
                assertEquals(id, seenIds.peek(), "the origin got the id the phases saw");
                Matcher m = Pattern.compile("\\{\"time\":\"\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z\",\"client\":\"127\\.0\\.0\\.1:\\d+\","
                        + "\"method\":\"GET\",\"uri\":\"/items\\?page=2\",\"protocol\":\"HTTP/1\\.1\",\"status\":200,"
                        + "\"bytes_in\":0,\"bytes_out\":2048,\"upstream\":\"127\\.0\\.0\\.1:" + origin.port() + "\","
                        + "\"upstream_time_ms\":([0-9.]+),\"total_time_ms\":([0-9.]+),\"reused\":false,\"retries\":0,"
                        + "\"request_id\":\"" + id + "\",\"user_agent\":\"probe/1\\.0\",\"referer\":\"https://ref\\.example/\","
                        + "\"error\":null}").matcher(ok);
                assertTrue(m.matches(), ok);
                assertTrue(Double.parseDouble(m.group(1)) <= Double.parseDouble(m.group(2)), "the upstream time is part of the total");
                assertTrue(lines.get(1).contains("\"uri\":\"/deny\",\"protocol\":\"HTTP/1.1\",\"status\":403,"), lines.get(1));
                assertTrue(lines.get(1).contains("\"upstream\":null,\"upstream_time_ms\":null,"), lines.get(1));
                assertTrue(lines.get(1).endsWith("\"error\":\"HTTP_STATUS\"}"), lines.get(1));
                assertEquals(0, log.dropped());
            }
        }
    }

    @Test
    void combinedIsNginxsFormatAndAClientCannotForgeALine() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK, "hello"));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            AccessLog log = AccessLog.builder().toStream(out).build();
            try (ProxyFixture fixture = start(new LoggedProxy(origin.address()), log, false)) {
                get(fixture, "/a?b=c", "User-Agent", "evil\" 200 9 \"-\" \"forged");
                String line = lines(out, log, 1).get(0);
                assertTrue(line.matches("127\\.0\\.0\\.1 - - \\[\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d [+-]\\d{4}] "
                        + "\"GET /a\\?b=c HTTP/1\\.1\" 200 5 \"-\" \"evil\\\\x22 200 9 \\\\x22-\\\\x22 \\\\x22forged\""), line);
            }
        }
    }

    @Test
    void aSlowLogDropsLinesAndNeverHoldsARequest() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK, "hello"));
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch stuckNow = new CountDownLatch(1);
            OutputStream stuck = new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    stuckNow.countDown();
                    try {
                        release.await(); // a disk that stopped answering
                    } catch (InterruptedException e) {
                        throw new IOException(e);
                    }
                }
            };
            AccessLog log = AccessLog.builder().toStream(stuck).maxQueued(2, 1024).build();
            try (ProxyFixture fixture = start(new LoggedProxy(origin.address()), log, true)) {
                assertEquals(200, get(fixture, "/first").statusCode());
                assertTrue(stuckNow.await(CAP.toSeconds(), TimeUnit.SECONDS), "the writer flushed the first line and hung");
                for (int i = 0; i < 20; i++) {
                    assertEquals(200, get(fixture, "/r" + i).statusCode(), "served while the log is stuck");
                }
                // At most two lines (and 1 KiB of them) wait; the rest are dropped, not waited for.
                Await.until("lines dropped", CAP, () -> log.dropped() >= 17);
                release.countDown(); // the disk answers again; closing the service writes what waits
            } finally {
                release.countDown();
            }
            assertEquals(21, log.written() + log.dropped(), "every line written or counted as dropped");
        }
    }
}
