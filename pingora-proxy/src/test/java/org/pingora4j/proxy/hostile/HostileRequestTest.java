package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.pingora4j.proxy.hostile.RawOrigin.Want;
import org.pingora4j.proxy.hostile.StrictHttp.Message;

/**
 * Issue #8, suite item 3: hostile request bytes from a client. Each case sends raw bytes to the
 * proxy and asserts the status the issue (and RFC 9110/9112) demands, that the connection is closed
 * after an error, that the proxy keeps serving, and -- at a raw recording origin -- that no smuggled
 * request ever arrived and every byte the proxy sent upstream framed exactly the requests allowed.
 *
 * <p>Where the issue allows either a 400 or a request forwarded with its framing intact (e.g.
 * {@code Connection: Content-Length}), both are accepted, but the origin is checked either way.
 */
final class HostileRequestTest {

    /** A request a client could hide in a body; the origin must never see it as a request. */
    static final String SMUGGLE = "GET /SMUGGLED HTTP/1.1\r\nHost: evil\r\n\r\n";
    private static final String NEXT = "GET /legit-next HTTP/1.1\r\nHost: x\r\n\r\n";
    private static final String AFTER = "GET /legit-after HTTP/1.1\r\nHost: x\r\n\r\n";

    /**
     * One hostile input: the statuses that reject it correctly (empty: it must be forwarded), the
     * requests the origin must see if it is forwarded (empty: it must be rejected), and whether the
     * fault lies in the body, so that the proxy may have forwarded the head before it found it.
     */
    record Case(String name, String bytes, Set<Integer> rejectWith, List<Want> forwarded, boolean bodyFault) {
        @Override
        public String toString() {
            return name;
        }
    }

    private static Case reject(String name, String bytes, Integer... statuses) {
        return new Case(name, bytes, Set.of(statuses), List.of(), false);
    }

    private static Case rejectBody(String name, String bytes) {
        return new Case(name, bytes, Set.of(400), List.of(), true);
    }

    private static Case rejectOrForward(String name, String bytes, Want want) {
        return new Case(name, bytes, Set.of(400), List.of(want), false);
    }

    private static Case forward(String name, String bytes, Want want) {
        return new Case(name, bytes, Set.of(), List.of(want), false);
    }

    private static String post(String headers, String body) {
        return "POST /legit HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n" + body;
    }

    private static String chunked(String body) {
        return Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
    }

    private static String get(String headers) {
        return "GET /legit HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
    }

    static Stream<Case> cases() {
        String s = SMUGGLE;
        Want getLegit = Want.of("GET", "/legit");
        Want hello = Want.of("POST", "/legit", "hello");
        return Stream.of(
                // Content-Length and Transfer-Encoding together (RFC 9112 §6.1, CVE-2025-4366)
                reject("CL then TE", post("Content-Length: " + (5 + s.length()) + "\r\nTransfer-Encoding: chunked\r\n",
                        "0\r\n\r\n" + s), 400),
                reject("TE then CL", post("Transfer-Encoding: chunked\r\nContent-Length: " + (5 + s.length()) + "\r\n",
                        "0\r\n\r\n" + s), 400),
                // Content-Length variants (RFC 9112 §6.3: a list of identical values may be accepted)
                reject("two differing Content-Length", post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"), 400),
                rejectOrForward("two equal Content-Length", post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello"), hello),
                rejectOrForward("Content-Length list 5, 5", post("Content-Length: 5, 5\r\n", "hello"), hello),
                reject("Content-Length list 5, 6", post("Content-Length: 5, 6\r\n", "hello!"), 400),
                reject("Content-Length +5", post("Content-Length: +5\r\n", "hello"), 400),
                reject("Content-Length -5", post("Content-Length: -5\r\n", "hello"), 400),
                reject("Content-Length 0x5", post("Content-Length: 0x5\r\n", "hello"), 400),
                reject("Content-Length empty", post("Content-Length: \r\n", "hello"), 400),
                reject("Content-Length 5 5", post("Content-Length: 5 5\r\n", "hello"), 400),
                reject("Content-Length overflowing", post("Content-Length: 99999999999999999999999\r\n", "hello"), 400),
                // Transfer codings: the issue wants 501 for any coding but chunked; chunked not last is
                // a MUST-400 in RFC 9112 §6.3, so there either is right.
                reject("TE gzip, chunked", post("Transfer-Encoding: gzip, chunked\r\n", chunked("hello")), 501),
                reject("TE deflate then chunked on two lines",
                        post("Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n", chunked("hello")), 501),
                reject("TE chunked, gzip", post("Transfer-Encoding: chunked, gzip\r\n", chunked("hello")), 400, 501),
                reject("TE gzip alone", post("Transfer-Encoding: gzip\r\n", "hello"), 400, 501),
                reject("TE chunked, chunked", post("Transfer-Encoding: chunked, chunked\r\n", chunked("hello")), 400, 501),
                reject("TE chunked then gzip on two lines",
                        post("Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n", chunked("hello")), 400, 501),
                reject("TE xchunked", post("Transfer-Encoding: xchunked\r\n", chunked("hello")), 400, 501),
                forward("TE CHUNKED in upper case", post("Transfer-Encoding: CHUNKED\r\n", chunked("hello")), hello),
                reject("TE on HTTP/1.0", "POST /legit HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + chunked("hello"), 400),
                // obs-fold and whitespace before the colon (RFC 9112 §5.1, §5.2)
                reject("obs-fold in Transfer-Encoding", post("Transfer-Encoding:\r\n chunked\r\n", chunked("hello")), 400),
                reject("obs-fold in Content-Length", post("Content-Length:\r\n 5\r\n", "hello"), 400),
                rejectOrForward("obs-fold in an ordinary header", get("X-Note: a\r\n b\r\n"), getLegit),
                reject("space before colon in Content-Length", post("Content-Length : 5\r\n", "hello"), 400),
                reject("space before colon in Transfer-Encoding",
                        post("Transfer-Encoding : chunked\r\n", chunked("hello")), 400),
                reject("tab before colon in Transfer-Encoding",
                        post("Transfer-Encoding\t: chunked\r\n", chunked("hello")), 400),
                reject("space before colon in an ordinary header", get("X-Note : a\r\n"), 400),
                // Connection naming end-to-end headers (the bug that opened issue #8)
                rejectOrForward("Connection: Content-Length",
                        post("Content-Length: " + s.length() + "\r\nConnection: Content-Length\r\n", s),
                        Want.of("POST", "/legit", s)),
                rejectOrForward("Connection: keep-alive, content-length",
                        post("Content-Length: " + s.length() + "\r\nConnection: keep-alive, content-length\r\n", s),
                        Want.of("POST", "/legit", s)),
                rejectOrForward("Connection: Transfer-Encoding",
                        post("Transfer-Encoding: chunked\r\nConnection: Transfer-Encoding\r\n", chunked(s)),
                        Want.of("POST", "/legit", s)),
                rejectOrForward("Connection: Host", get("Connection: Host\r\n"), new Want("GET", Set.of("/legit"), "", "x")),
                // Chunks (RFC 9112 §7.1)
                rejectBody("chunk size not hex", post("Transfer-Encoding: chunked\r\n", "ZZ\r\nhello\r\n0\r\n\r\n")),
                rejectBody("chunk size negative", post("Transfer-Encoding: chunked\r\n", "-5\r\nhello\r\n0\r\n\r\n")),
                rejectBody("chunk size overflowing", post("Transfer-Encoding: chunked\r\n",
                        "10000000000000005\r\nhello\r\n0\r\n\r\n")),
                rejectBody("chunk extension with a bare CR", post("Transfer-Encoding: chunked\r\n",
                        "5;a=b\rc\r\nhello\r\n0\r\n\r\n")),
                rejectBody("chunk extension with a bare LF", post("Transfer-Encoding: chunked\r\n",
                        "5;a\nb\r\nhello\r\n0\r\n\r\n")),
                rejectBody("chunk longer than its size", post("Transfer-Encoding: chunked\r\n",
                        "3\r\nhello\r\n0\r\n\r\n" + s)),
                // Line endings and control characters (RFC 9112 §2.2, RFC 9110 §5.5)
                reject("bare LF line endings", "GET /legit HTTP/1.1\nHost: x\n\n", 400),
                reject("bare CR line ending", "GET /legit HTTP/1.1\rHost: x\r\n\r\n", 400),
                reject("bare LF after one header", "GET /legit HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n", 400),
                reject("bare CR in a value", get("X-A: a\rb\r\n"), 400),
                reject("NUL in a header name", get("X-A\0B: c\r\n"), 400),
                reject("NUL in a header value", get("X-A: b\0c\r\n"), 400),
                reject("0x01 in a header value", get("X-A: b\u0001c\r\n"), 400),
                reject("DEL in a header value", get("X-A: b\u007fc\r\n"), 400),
                reject("vertical tab in a header name", get("X-A\u000bB: c\r\n"), 400),
                reject("space in a header name", get("X A: b\r\n"), 400),
                reject("NUL in the target", "GET /le\0git HTTP/1.1\r\nHost: x\r\n\r\n", 400),
                // Host (RFC 9112 §3.2)
                reject("no Host on HTTP/1.1", "GET /legit HTTP/1.1\r\n\r\n", 400),
                reject("two equal Host headers", get("Host: x\r\n"), 400),
                reject("two different Host headers", get("Host: evil\r\n"), 400),
                forward("absolute-form target wins over Host", "GET http://good.example/legit HTTP/1.1\r\nHost: evil\r\n\r\n",
                        new Want("GET", Set.of("/legit", "http://good.example/legit"), "", "good.example")),
                forward("HTTP/1.0 without Host gets one upstream", "GET /legit HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
                        getLegit),
                // Versions (RFC 9110 §6.2, issue #8 fix 3)
                reject("HTTP/9.9", "GET /legit HTTP/9.9\r\nHost: x\r\n\r\n", 505),
                reject("HTTP/2.0", "GET /legit HTTP/2.0\r\nHost: x\r\n\r\n", 505),
                reject("HTTP/0.9", "GET /legit HTTP/0.9\r\nHost: x\r\n\r\n", 505),
                reject("http/1.1 in lower case", "GET /legit http/1.1\r\nHost: x\r\n\r\n", 400, 505),
                reject("FOO/1.1", "GET /legit FOO/1.1\r\nHost: x\r\n\r\n", 400, 505),
                reject("HTTP/1 without minor", "GET /legit HTTP/1\r\nHost: x\r\n\r\n", 400, 505),
                reject("HTTP/1.10", "GET /legit HTTP/1.10\r\nHost: x\r\n\r\n", 400, 505),
                reject("not HTTP at all", "THIS IS NOT HTTP\r\n\r\n", 400),
                // Sizes (RFC 6585 §5, RFC 9110 §15.5.15)
                reject("request line too long", "GET /" + "u".repeat(9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414),
                reject("header section too large", get("X-Big: " + "a".repeat(70 * 1024) + "\r\n"), 431),
                reject("10000 header lines within the size limit", get("X: 1\r\n".repeat(10_000)), 431));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileInput(Case c) throws Exception {
        try {
            exchange(c);
        } catch (AssertionError e) {
            // Surefire's summary shows the case's index only: name it in the message.
            throw new AssertionError("[" + c.name() + "] " + e.getMessage(), e);
        }
    }

    private static void exchange(Case c) throws Exception {
        List<Want> allowed = new ArrayList<>();
        allowed.add(Want.of("GET", "/legit-after"));
        try (RawOrigin origin = new RawOrigin(); HostileFixture proxy = new HostileFixture(origin)) {
            try (RawClient client = new RawClient(proxy.port())) {
                client.send(c.bytes());
                Message response = client.read(false);
                if (response == null) {
                    fail("the proxy closed without answering; expected " + expected(c) + "\n" + origin.describe());
                } else if (!response.all(RawOrigin.PARSE_ERROR_MARK).isEmpty()) {
                    fail("the proxy forwarded what the origin could not parse (expected " + expected(c) + "); client received "
                            + client.received() + "\n" + origin.describe());
                } else if (c.rejectWith().contains(response.status())) {
                    client.assertClosed();
                } else if (!c.forwarded().isEmpty() && response.status() == 200) {
                    // Forwarded: both ends must still agree where the request ended.
                    client.send(NEXT);
                    Message next = client.expectResponse(false);
                    assertEquals(200, next.status(), client.received());
                    assertEquals("origin saw /legit-next", next.bodyText(), client.received());
                    allowed.addAll(c.forwarded());
                    allowed.add(Want.of("GET", "/legit-next"));
                } else {
                    fail("expected " + expected(c) + " but got " + response.status() + "; client received "
                            + client.received() + "\n" + origin.describe());
                }
            }
            try (RawClient after = new RawClient(proxy.port())) {
                Message ok = after.send(AFTER).expectResponse(false);
                assertEquals(200, ok.status(), "the proxy keeps serving: " + after.received());
            }
            proxy.stop();
            Want[] wants = allowed.toArray(Want[]::new);
            if (c.bodyFault()) {
                origin.assertNoSmuggledRequestAllowingAbort(wants);
            } else {
                origin.assertNoSmuggledRequest(wants);
            }
            for (Want want : allowed) {
                origin.assertArrivedOnce(want);
            }
        }
    }

    private static String expected(Case c) {
        String statuses = c.rejectWith().stream().sorted().map(String::valueOf).collect(Collectors.joining(" or "));
        if (c.forwarded().isEmpty()) {
            return statuses + " and a close";
        }
        return statuses.isEmpty() ? "200 (forwarded)" : statuses + " and a close, or 200 (forwarded)";
    }
}
