package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.TestOrigin;

/**
 * Issue #14's smaller findings, each checked against what the origin received: a target with a
 * fragment and a {@code Host} with a comma or an impossible port are refused (400) before any
 * upstream sees them, and a response whose transfer coding is not plain chunked is a 502, never
 * forwarded with its coding silently dropped.
 */
final class TargetHostAndCodingRulesTest {

    private static TestOrigin recordingOrigin(List<String> seen) throws Exception {
        TestOrigin origin = TestOrigin.plain();
        origin.responder(ex -> {
            seen.add(ex.request().method() + " " + ex.request().uri() + " host=" + ex.request().headers().get("Host"));
            ex.reply(HttpResponseStatus.OK, "ok");
        });
        return origin;
    }

    @Test
    void aTargetWithAFragmentIs400() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestOrigin origin = recordingOrigin(seen);
             ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()))) {
            for (String target : List.of("/a#b", "/#", "/admin#/../public", "http://x/a#frag")) {
                String response = fixture.raw("GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
                assertTrue(response.startsWith("HTTP/1.1 400 "), target + ": " + response);
            }
            assertEquals(List.of(), seen, "no request reached the origin");
            assertEquals(200, fixture.get("/a?q=%23").statusCode(), "an escaped # is an ordinary byte");
        }
    }

    @Test
    void aHostWithACommaOrAPortAbove65535Is400() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        try (TestOrigin origin = recordingOrigin(seen);
             ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()))) {
            for (String host : List.of("a.example,b.example", "a.example,", ",", "x:65536", "x:99999", "x:0000065536",
                    "[::1]:70000")) {
                String response = fixture.raw("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
                assertTrue(response.startsWith("HTTP/1.1 400 "), host + ": " + response);
            }
            String absolute = fixture.raw("GET http://a.example,b.example/ HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(absolute.startsWith("HTTP/1.1 400 "), absolute);
            String absolutePort = fixture.raw("GET http://x:65536/ HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(absolutePort.startsWith("HTTP/1.1 400 "), absolutePort);
            assertEquals(List.of(), seen, "no request reached the origin");
            for (String host : List.of("x:65535", "x:1", "x:080", "[::1]:8080", "x:")) {
                String response = fixture.raw("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
                assertTrue(response.startsWith("HTTP/1.1 200 "), host + ": " + response);
            }
        }
    }

    @Test
    void aResponseWithAnotherTransferCodingThanChunkedIs502() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                switch (ex.request().uri()) {
                    // Close-delimited (RFC 9112 §6.3): the bytes are gzip-coded and nothing else says so.
                    case "/gzip" -> ex.writeRaw("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n"
                            + "\u001f\u008b coded bytes");
                    case "/gzip-chunked" -> ex.writeRaw("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                            + "5\r\n\u001f\u008bxyz\r\n0\r\n\r\n");
                    case "/two-fields" -> ex.writeRaw("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
                    default -> ex.reply(HttpResponseStatus.OK, "fine");
                }
            });
            try (ProxyFixture fixture = ProxyFixture.of(new FilterProxy(origin.address()))) {
                for (String path : List.of("/gzip", "/gzip-chunked", "/two-fields")) {
                    String response = fixture.raw("GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                    assertTrue(response.startsWith("HTTP/1.1 502 "), path + ": " + response);
                    assertTrue(!response.contains("\u001f\u008b") && !response.contains("hello"),
                            path + ": none of the coded body reached the client: " + response);
                }
                var fine = fixture.get("/next");
                assertEquals(200, fine.statusCode());
                assertEquals("fine", fine.body());
            }
        }
    }
}
