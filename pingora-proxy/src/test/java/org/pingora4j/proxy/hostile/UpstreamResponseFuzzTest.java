package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.pingora4j.proxy.HttpServerOptions;
import org.pingora4j.proxy.hostile.RawOrigin.Reply;
import org.pingora4j.proxy.hostile.StrictHttp.Message;

/**
 * Issue #8, suite item 4, upstream side: a bounded, seeded fuzz of upstream response parsing. The
 * {@link RawOrigin} answers {@code /r<i>} with a mutated response ({@link ResponseMutator}) and
 * {@code /n<i>} with a clean {@code next-<i>}. The invariant: the client gets one correctly framed
 * response (the origin's own, status and body, whenever the origin's bytes were one clean
 * response), an error, or a close -- never two responses for one request; the next request gets its
 * own answer; and an upstream connection that carried extra bytes is never used again.
 *
 * <p>Reproduce with {@code -Dfuzz.seed=<seed> -Dfuzz.iterations=<n>}.
 */
final class UpstreamResponseFuzzTest {

    @Test
    void theClientGetsOneFramedResponseOrAnErrorAndNothingLeaksIntoTheNextRequest() throws Exception {
        FuzzRun fuzz = FuzzRun.of("response fuzz", 800);
        long seed = fuzz.seed();
        int iterations = fuzz.iterations();
        Violations violations = new Violations();
        Map<String, Reply> plans = new ConcurrentHashMap<>();
        int clean = 0;
        int forwardedAsIs = 0;
        int errors = 0;
        int closed = 0;
        int cut = 0;
        int retriedNext = 0;
        HttpServerOptions options = HttpServerOptions.builder().keepaliveTimeout(Duration.ofSeconds(5)).build();
        try (RawOrigin origin = new RawOrigin();
             HostileFixture proxy = new HostileFixture(origin, options, Duration.ofSeconds(1))) {
            origin.responder((request, n) -> plans.getOrDefault(request.target(), Reply.ok("unplanned " + request.target())));
            for (int i = 0; i < iterations; i++) {
                SplittableRandom rnd = fuzz.random(i);
                ResponseMutator.Planned planned = ResponseMutator.response(rnd);
                byte[] bytes = planned.bytes();
                StrictHttp.Result strict = StrictHttp.response(bytes, 0, bytes.length, false, planned.closeAfter());
                Message expected = strict instanceof StrictHttp.Parsed p && p.end() == bytes.length ? p.message() : null;
                // Only empty lines after a whole response cannot be misread as a message (readers
                // skip them before a status line), so only they do not forbid reusing the connection.
                boolean onlyEmptyLinesAfter = strict instanceof StrictHttp.Parsed p
                        && new String(bytes, p.end(), bytes.length - p.end(), StandardCharsets.ISO_8859_1).matches("(\r\n)*");
                plans.put("/r" + i, new Reply(bytes, planned.closeAfter(), onlyEmptyLinesAfter));
                plans.put("/n" + i, Reply.ok("next-" + i));
                String context = "iteration " + i + ": the origin answered \"" + StrictHttp.escape(bytes, 0, bytes.length)
                        + "\"" + (planned.closeAfter() ? " and closed" : " and kept the connection");
                clean += expected != null ? 1 : 0;

                RawClient client = new RawClient(proxy.port());
                try {
                    Message first;
                    try {
                        first = client.send("GET /r" + i + " HTTP/1.1\r\nHost: x\r\n\r\n").readAllowingCut(false);
                    } catch (AssertionError | IOException e) {
                        String why = String.valueOf(e.getMessage()).replaceAll("(?s) at \\d+: .*", "");
                        violations.add("a malformed response reached the client: " + why, e.getMessage() + "\n    " + context);
                        continue;
                    }
                    if (first == null) {
                        closed++;
                        cut += client.wasCut() ? 1 : 0;
                    } else if (first.status() >= 500 && !first.all("X-Origin").contains("raw")) {
                        errors++;
                    }
                    if (expected != null) {
                        if (first == null || first.status() != expected.status() || !Arrays.equals(first.body(), expected.body())) {
                            violations.add("a clean response was not forwarded as it was",
                                    "expected " + expected + ", the client got " + client.received() + "\n    " + context);
                            continue;
                        }
                        forwardedAsIs++;
                    }
                    boolean reusable = first != null && !client.closedByPeer()
                            && first.all("connection").stream().noneMatch(v -> v.equalsIgnoreCase("close"));
                    if (!reusable) {
                        client.close();
                        client = new RawClient(proxy.port());
                    }
                    String nextRequest = "GET /n" + i + " HTTP/1.1\r\nHost: x\r\n\r\n";
                    Message next;
                    try {
                        next = client.send(nextRequest).read(false);
                        if (next == null && reusable) {
                            // Closed before any byte of an answer: a client retries that on a new connection.
                            retriedNext++;
                            client.close();
                            client = new RawClient(proxy.port());
                            next = client.send(nextRequest).read(false);
                        }
                    } catch (AssertionError | IOException e) {
                        violations.add("the next request got a malformed answer", e.getMessage() + "\n    " + context);
                        continue;
                    }
                    if (next == null || next.status() != 200
                            || !next.bodyText().equals("next-" + i)) {
                        violations.add("the next request did not get its own response",
                                "the client got " + client.received() + "\n    " + context);
                    }
                } finally {
                    client.close();
                }
            }
            proxy.stop();
            origin.awaitAllEnded();
            LeakFlush.flush();
            for (RawOrigin.Conn conn : origin.connections()) {
                if (conn.reusedAfterDirtyReply != null) {
                    violations.add("an upstream connection was reused after a response with extra bytes",
                            "request " + conn.reusedAfterDirtyReply + " went on " + conn + "\n    the reply with extra bytes: \""
                                    + StrictHttp.escape(plans.get(conn.dirtyReplyTo).bytes(), 0, plans.get(conn.dirtyReplyTo).bytes().length)
                                    + "\"");
                }
                if (conn.parseError != null) {
                    violations.add("the proxy sent the origin bytes that do not parse", conn.toString());
                }
            }
        }
        System.out.printf("response fuzz: %d responses (%d clean, %d of them forwarded as they were), "
                + "%d answered with a proxy error, %d closed without a whole response (%d cut short), "
                + "%d next requests retried after a close, %d violations%n",
                iterations, clean, forwardedAsIs, errors, closed, cut, retriedNext, violations.count());
        // A run without one of these exercised only part of the invariant: responses that are one
        // clean message (and went through as they were), and responses the proxy refused.
        assertTrue(clean > 0, "the mutations left some responses clean: " + clean);
        assertTrue(forwardedAsIs > 0, "some clean responses were forwarded as they were: " + forwardedAsIs);
        assertTrue(errors > 0, "the proxy refused some responses with an error of its own: " + errors);
        violations.assertNone("response fuzz, seed " + seed);
    }
}
