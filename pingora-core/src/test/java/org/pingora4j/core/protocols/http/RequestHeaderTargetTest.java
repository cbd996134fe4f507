package org.pingora4j.core.protocols.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The request target's parts, as a router reads them: path, query, decoded parameters. */
final class RequestHeaderTargetTest {

    private static RequestHeader get(String uri) {
        return RequestHeader.build("GET", uri);
    }

    @Test
    void thePathLeavesTheQueryOutAndStaysEncoded() {
        assertEquals("/a/b%20c", get("/a/b%20c?x=1").path());
        assertEquals("/a/b", get("/a/b").path());
        assertEquals("/", get("/?x").path());
        assertEquals("/v1/items", get("http://api.example.com:8080/v1/items?limit=5").path());
        assertEquals("/", get("http://api.example.com").path(), "an absolute target without a path");
        assertEquals("*", RequestHeader.build("OPTIONS", "*").path());
        assertEquals("/", RequestHeader.build("CONNECT", "example.com:443").path());
    }

    @Test
    void theQueryIsNullWithoutOneAndEmptyWhenBare() {
        assertNull(get("/a").query());
        assertEquals("", get("/a?").query());
        assertEquals("x=1&y=a%20b", get("/a?x=1&y=a%20b").query());
        assertEquals("limit=5", get("http://h/v1?limit=5").query());
    }

    @Test
    void queryParamsAreDecodedAndKeepEveryValueInOrder() {
        Map<String, List<String>> params = get("/search?tag=a&tag=b&q=x%20y+z&empty=&caf%C3%A9=%E2%82%AC").queryParams();
        assertEquals(List.of("a", "b"), params.get("tag"));
        assertEquals(List.of("x y z"), params.get("q"));
        assertEquals(List.of(""), params.get("empty"));
        assertEquals(List.of("€"), params.get("café"));
        assertEquals(Map.of(), get("/no-query").queryParams());
    }

    @Test
    void aMalformedEscapeDoesNotThrow() {
        assertEquals(Map.of("bad", List.of("%zz"), "ok", List.of("a b")), get("/p?bad=%zz&ok=a+b").queryParams());
    }
}
