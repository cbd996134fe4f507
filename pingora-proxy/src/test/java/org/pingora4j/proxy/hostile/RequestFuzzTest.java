package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.pingora4j.proxy.HttpServerOptions;
import org.pingora4j.proxy.hostile.RawOrigin.Arrival;
import org.pingora4j.proxy.hostile.StrictHttp.Message;

/**
 * Issue #8, suite item 4, downstream side: a bounded, seeded fuzz of request parsing and framing.
 * Each iteration writes one mutated connection's bytes ({@link RequestMutator}) to the proxy, which
 * forwards to a {@link RawOrigin}. The invariant: every request the origin parsed is, in order, one
 * of the requests a strict parser finds in the client's original bytes (same method, target and
 * body), the client got exactly one correctly framed response per forwarded request (the origin's),
 * then at most one error response and the close -- nothing smuggled, nothing extra, nothing lost.
 * A request belongs to the iteration during which it reached the origin (iterations run one after
 * the other), and must carry that client connection's port, which the proxy adds.
 *
 * <p>The reference is {@link StrictHttp.Mode#ACCEPTABLE}: RFC 9112's grammar plus only the
 * leniencies it grants without ambiguity. Every violation is written to
 * {@code target/hostile-fuzz/}; the failure message counts them by kind.
 *
 * <p>Reproduce with {@code -Dfuzz.seed=<seed> -Dfuzz.iterations=<n>}; iteration {@code i} uses its
 * own random derived from the seed, so a failure names the iteration to look at.
 */
final class RequestFuzzTest {

    /** One generated connection and what came back. */
    private static final class Iteration {
        final int index;
        final byte[] bytes;
        final List<Message> reference;
        final String stop;
        final List<Message> responses = new ArrayList<>();
        int port;
        long seqFrom;
        long seqTo;
        String clientProblem;

        Iteration(int index, byte[] bytes, StrictHttp.Stream parsed) {
            this.index = index;
            this.bytes = bytes;
            this.reference = parsed.requests();
            this.stop = parsed.stop();
        }

        String describe() {
            return "iteration " + index + ": client sent \"" + StrictHttp.escape(bytes, 0, bytes.length)
                    + "\"\n    a strict parser finds " + reference + ", then stops at " + stop + "\n    the client got " + responses;
        }
    }

    @Test
    void theOriginSeesExactlyTheRequestsAStrictParserFindsInTheClientBytes() throws Exception {
        FuzzRun fuzz = FuzzRun.of("request fuzz", 1000);
        long seed = fuzz.seed();
        int iterations = fuzz.iterations();
        List<Iteration> runs = new ArrayList<>();
        Violations violations = new Violations();
        HttpServerOptions options = HttpServerOptions.builder().keepaliveTimeout(Duration.ofSeconds(1)).build();
        try (RawOrigin origin = new RawOrigin(); HostileFixture proxy = new HostileFixture(origin, options, Duration.ofSeconds(5))) {
            for (int i = 0; i < iterations; i++) {
                SplittableRandom rnd = fuzz.random(i);
                byte[] bytes = RequestMutator.connection(rnd, "/f" + i + "-");
                Iteration run = new Iteration(i, bytes, StrictHttp.acceptableRequests(bytes));
                runs.add(run);
                run.seqFrom = origin.lastSeq();
                exchange(proxy.port(), run);
                run.seqTo = origin.lastSeq();
            }
            proxy.stop();
            origin.awaitAllEnded();
            LeakFlush.flush();

            // A request belongs to the iteration during which it arrived (they run one at a time);
            // its X-Client-Port, set by the proxy, must name that iteration's connection.
            Map<Integer, List<Message>> byIteration = new HashMap<>();
            List<Arrival> arrivals = new ArrayList<>(origin.arrivals());
            arrivals.sort(Comparator.comparingLong(Arrival::seq));
            for (Arrival a : arrivals) {
                List<String> port = a.request().all(HostileProxy.CLIENT_PORT);
                if (port.size() != 1) {
                    violations.add("smuggled: a request the proxy never meant to send (no " + HostileProxy.CLIENT_PORT
                            + ")", "reached the origin: " + a.request());
                    continue;
                }
                Iteration owner = runs.stream().filter(r -> a.seq() > r.seqFrom && a.seq() <= r.seqTo).findFirst().orElse(null);
                if (owner == null || owner.port != Integer.parseInt(port.get(0))) {
                    violations.add("a request arrived outside its client connection's lifetime", a.request() + " during "
                            + (owner == null ? "no iteration" : owner.describe()));
                    continue;
                }
                byIteration.computeIfAbsent(owner.index, p -> new ArrayList<>()).add(a.request());
            }
            for (RawOrigin.Conn conn : origin.connections()) {
                if (conn.parseError != null) {
                    violations.add("origin parse error: " + conn.parseError.replaceAll("[\"(\\[].*", "").replaceAll(" at byte.*", ""),
                            conn.toString());
                }
            }
            int forwarded = 0;
            int accepted = 0;
            int refused = 0;
            for (Iteration run : runs) {
                List<Message> seen = byIteration.getOrDefault(run.index, List.of());
                forwarded += seen.size();
                accepted += run.reference.size();
                refused += refusedBeforeTheEnd(run, seen.size()) ? 1 : 0;
                check(run, seen, violations);
            }
            System.out.printf("request fuzz: %d connections, %d requests a strict parser accepts, %d forwarded, "
                    + "%d connections refused before their closing garbage, %d violations%n",
                    runs.size(), accepted, forwarded, refused, violations.count());
            // A run that forwards nothing, or refuses nothing the mutations made, exercised only one
            // side of the invariant. Every connection ends in garbage the proxy refuses (RequestMutator.END),
            // so only a refusal of what came before it counts.
            assertTrue(forwarded > 0 && refused > 0, "the mutations produced both requests to forward (" + forwarded
                    + ") and connections refused before their closing garbage (" + refused + ")");
        }
        violations.assertNone("request fuzz, seed " + seed);
    }

    /** Where a strict reader stops on bytes that hold no error: none of them is a refusal's cause. */
    private static final Set<String> CLEAN_STOPS = Set.of("the end of the bytes", "an unfinished message",
            "a request that closes the connection");

    /**
     * Returns whether the proxy answered this connection with an error for something before the
     * garbage every connection ends with: the error response follows the {@code forwarded}
     * requests, and either the bytes before the garbage hold an invalid message, or the proxy
     * forwarded fewer of their requests than a strict parser accepts. A refusal of the garbage
     * itself (every connection gets one) does not count.
     */
    private static boolean refusedBeforeTheEnd(Iteration run, int forwarded) {
        if (run.responses.size() <= forwarded || run.responses.get(forwarded).status() < 400) {
            return false;
        }
        byte[] beforeEnd = Arrays.copyOf(run.bytes, run.bytes.length - RequestMutator.END.length);
        StrictHttp.Stream prefix = StrictHttp.acceptableRequests(beforeEnd);
        return !CLEAN_STOPS.contains(prefix.stop()) || forwarded < prefix.requests().size();
    }

    private static void exchange(int port, Iteration run) throws IOException {
        try (RawClient client = new RawClient(port)) {
            run.port = client.localPort();
            try {
                client.send(run.bytes);
            } catch (IOException e) {
                // the proxy may close before it read everything: what it answered is still there
            }
            try {
                for (int j = 0; ; j++) {
                    boolean head = j < run.reference.size() && run.reference.get(j).method().equals("HEAD");
                    Message m = client.read(head);
                    if (m == null) {
                        break;
                    }
                    run.responses.add(m);
                }
            } catch (AssertionError | IOException e) {
                run.clientProblem = e.getMessage();
            }
        }
    }

    private static void check(Iteration run, List<Message> seen, Violations violations) {
        String kind = null;
        String why = null;
        List<Message> responses = run.responses;
        for (int j = 0; j < seen.size() && kind == null; j++) {
            if (j >= run.reference.size()) {
                kind = "the origin got a request past where a strict parser stops (" + run.stop + ")";
                why = "request #" + j + ": " + seen.get(j);
            } else if (!same(seen.get(j), run.reference.get(j))) {
                kind = "the origin got a request other than the client's";
                why = seen.get(j) + " where the client sent " + run.reference.get(j);
            }
        }
        if (kind == null && responses.stream().anyMatch(r -> !r.all(RawOrigin.PARSE_ERROR_MARK).isEmpty())) {
            kind = "the proxy forwarded bytes the origin could not parse (see the origin parse errors)";
        }
        if (kind == null && run.clientProblem != null) {
            kind = "the client's side";
            why = run.clientProblem;
        }
        for (int j = 0; j < Math.min(seen.size(), responses.size()) && kind == null; j++) {
            Message r = responses.get(j);
            String body = seen.get(j).method().equals("HEAD") ? "" : "origin saw " + seen.get(j).target();
            if (r.status() != 200 || !r.bodyText().equals(body)) {
                kind = "a response is not the origin's answer to its request";
                why = "response #" + j + " to " + seen.get(j).target() + ": " + r;
            }
        }
        if (kind == null && responses.size() < seen.size()) {
            kind = "requests forwarded but not answered";
            why = seen.size() + " forwarded, " + responses.size() + " answered";
        }
        if (kind == null && responses.size() > seen.size() + 1) {
            kind = "more responses than requests forwarded plus one error";
        }
        if (kind == null && responses.size() == seen.size() + 1 && responses.get(seen.size()).status() < 400) {
            kind = "a response the origin did not send, and not an error";
            why = String.valueOf(responses.get(seen.size()));
        }
        if (kind == null && responses.size() == seen.size() + 1
                && responses.get(seen.size()).all("connection").stream().noneMatch(v -> v.equalsIgnoreCase("close"))) {
            kind = "an error response that does not announce the close";
            why = String.valueOf(responses.get(seen.size()));
        }
        if (kind == null && responses.size() == seen.size() && seen.size() < run.reference.size()) {
            kind = "a request neither forwarded nor answered with an error";
            why = "request #" + seen.size();
        }
        if (kind != null) {
            violations.add(kind, (why == null ? "" : why + "\n    ") + run.describe());
        }
    }

    /** Same method, target (an absolute-form one may become origin-form) and body. */
    private static boolean same(Message upstream, Message client) {
        String target = client.target();
        if (!upstream.target().equals(target) && target.matches("https?://[^/]*/.*")) {
            target = target.replaceFirst("https?://[^/]*", "");
        }
        return upstream.method().equals(client.method()) && upstream.target().equals(target)
                && Arrays.equals(upstream.body(), client.body());
    }
}
