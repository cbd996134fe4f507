package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

/** The request id and trace context a request carries upstream. */
final class RequestIdsTest {

    private static final String TRACE = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static HttpHeaders headers(String... pairs) {
        HttpHeaders h = new DefaultHttpHeaders();
        for (int i = 0; i < pairs.length; i += 2) {
            h.add(pairs[i], pairs[i + 1]);
        }
        return h;
    }

    @Test
    void anIncomingIdAndTraceAreKept() {
        HttpHeaders h = headers("X-Request-Id", "req-42", "traceparent", TRACE);
        assertEquals("req-42", RequestIds.adopt(h));
        assertEquals("req-42", h.get("x-request-id"));
        assertEquals(TRACE, h.get("traceparent"));
    }

    @Test
    void withoutAnIdTheTracesTraceIdIsTheId() {
        HttpHeaders h = headers("traceparent", TRACE);
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", RequestIds.adopt(h));
        assertEquals("4bf92f3577b34da6a3ce929d0e0e4736", h.get("x-request-id"));
        assertEquals(TRACE, h.get("traceparent"));
    }

    @Test
    void withNeitherBothAreGeneratedAndJoined() {
        HttpHeaders h = headers();
        String id = RequestIds.adopt(h);
        assertTrue(id.matches("[0-9a-f]{32}"), id);
        assertEquals(id, h.get("x-request-id"));
        assertTrue(RequestIds.isTraceparent(h.get("traceparent")), h.get("traceparent"));
        assertEquals(id, h.get("traceparent").substring(3, 35), "the trace id is the request id: logs and traces join");
        assertNotEquals(id, RequestIds.adopt(headers()), "ids differ");
    }

    @Test
    void anIdThatCouldForgeALogLineOrAHeaderIsReplaced() {
        for (String bad : new String[] {"", "has space", "quote\"", "x".repeat(129), "caf\u00e9"}) {
            HttpHeaders h = headers("X-Request-Id", bad);
            String id = RequestIds.adopt(h);
            assertTrue(id.matches("[0-9a-f]{32}"), bad + " -> " + id);
            assertEquals(id, h.get("x-request-id"));
        }
        HttpHeaders twice = headers("X-Request-Id", "a", "X-Request-Id", "b");
        String id = RequestIds.adopt(twice);
        assertEquals(1, twice.getAll("x-request-id").size());
        assertEquals(id, twice.get("x-request-id"));
    }

    @Test
    void anInvalidTraceparentIsReplaced() {
        for (String bad : new String[] {"junk", TRACE.toUpperCase(), "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "01-" + TRACE.substring(3)}) {
            HttpHeaders h = headers("X-Request-Id", "req-1", "traceparent", bad);
            assertEquals("req-1", RequestIds.adopt(h));
            assertTrue(RequestIds.isTraceparent(h.get("traceparent")), bad + " -> " + h.get("traceparent"));
            assertNotEquals(bad, h.get("traceparent"));
        }
    }
}
