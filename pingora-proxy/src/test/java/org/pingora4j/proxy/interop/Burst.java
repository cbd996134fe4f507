package org.pingora4j.proxy.interop;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.nio.charset.StandardCharsets;

/**
 * A burst of requests through the proxy on many keep-alive client connections at once, all GETs or
 * every fourth one a small POST, each checked against the {@link Bodies} its id must produce. One
 * request in {@value #CLOSE_EVERY} asks the origin to close its connection instead of answering if
 * the connection is a reused one ({@code close=1}). The client connections are all closed when the
 * burst ends.
 */
final class Burst {

    /** What the clients saw. A POST answered 502 is counted apart: the origin may have received it. */
    static final class Tally {
        final LongAdder getOk = new LongAdder();
        final LongAdder getFailed = new LongAdder();
        final LongAdder postOk = new LongAdder();
        final LongAdder post502 = new LongAdder();
        final LongAdder postFailed = new LongAdder();
        final Queue<Integer> postOkIds = new ConcurrentLinkedQueue<>();
        final Queue<String> samples = new ConcurrentLinkedQueue<>();
        final AtomicInteger sent = new AtomicInteger();

        void sample(String failure) {
            if (samples.size() < 10) {
                samples.add(failure);
            }
        }

        @Override
        public String toString() {
            return "sent=" + sent + " GET ok=" + getOk + " failed=" + getFailed + " | POST ok=" + postOk + " 502="
                    + post502 + " otherFailed=" + postFailed + (samples.isEmpty() ? "" : " | samples: " + samples);
        }
    }

    private Burst() {
    }

    /**
     * Sends requests {@code firstId .. firstId + count - 1} on {@code connections} connections to
     * {@code port}; with {@code posts}, every fourth is a POST.
     */
    static void run(int port, int firstId, int count, int connections, boolean posts, Tally tally) throws Exception {
        AtomicInteger next = new AtomicInteger(firstId);
        int end = firstId + count;
        ExecutorService clients = Executors.newFixedThreadPool(connections);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                done.add(clients.submit(() -> {
                    try (RawHttp http = new RawHttp(port)) {
                        for (int id = next.getAndIncrement(); id < end; id = next.getAndIncrement()) {
                            one(http, id, posts && id % 4 == 3, tally);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            clients.shutdownNow();
            if (!clients.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the burst's client threads did not stop within 10 s");
            }
        }
    }

    /**
     * Requests whose id is {@value #CLOSE_AT} modulo {@value #CLOSE_EVERY} carry {@code close=1}: the
     * origin closes the connection instead of answering when it is a reused one.
     */
    static final int CLOSE_EVERY = 50;
    static final int CLOSE_AT = 25;

    static boolean closesOnCommand(int id) {
        return id % CLOSE_EVERY == CLOSE_AT;
    }

    private static void one(RawHttp http, int id, boolean post, Tally tally) {
        tally.sent.incrementAndGet();
        String failure;
        try {
            RawHttp.Response response;
            String expected;
            String close = closesOnCommand(id) ? "&close=1" : "";
            if (post) {
                byte[] body = Bodies.postBody(id);
                response = http.exchange("POST", "/post?id=" + id + close, body);
                expected = Bodies.post(id, body.length);
            } else {
                response = http.exchange("GET", "/get?id=" + id + close, null);
                expected = Bodies.get(id);
            }
            byte[] expectedBytes = expected.getBytes(StandardCharsets.US_ASCII);
            if (response.status() == 200 && Arrays.equals(response.body(), expectedBytes)) {
                (post ? tally.postOk : tally.getOk).increment();
                if (post) {
                    tally.postOkIds.add(id);
                }
                return;
            }
            if (post && response.status() == 502) {
                tally.post502.increment();
                tally.sample("POST " + id + ": 502");
                return;
            }
            failure = response.status() + " with " + response.body().length + " body bytes: "
                    + abbreviate(response.text());
        } catch (IOException | RuntimeException e) {
            failure = e.toString();
        }
        (post ? tally.postFailed : tally.getFailed).increment();
        tally.sample((post ? "POST " : "GET ") + id + ": " + failure);
    }

    private static String abbreviate(String text) {
        return text.length() <= 60 ? text : text.substring(0, 60) + "...";
    }
}
