package org.pingora4j.core.connectors.http.v1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class KeepAliveHeaderTest {

    private static KeepAliveHeader parse(String value) {
        HttpHeaders headers = new DefaultHttpHeaders();
        if (value != null) {
            headers.set("Keep-Alive", value);
        }
        return KeepAliveHeader.parse(headers);
    }

    @Test
    void absentHeaderIsAbsent() {
        assertSame(KeepAliveHeader.ABSENT, parse(null));
        assertEquals(-1, KeepAliveHeader.ABSENT.timeoutSeconds());
        assertEquals(-1, KeepAliveHeader.ABSENT.max());
    }

    @Test
    void headerNameIsCaseInsensitive() {
        HttpHeaders headers = new DefaultHttpHeaders().set("keep-alive", "timeout=7");
        assertEquals(new KeepAliveHeader(7, -1), KeepAliveHeader.parse(headers));
    }

    @ParameterizedTest(name = "[{index}] \"{0}\" -> timeout {1}, max {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        "timeout=5, max=100        | 5  | 100",
        "max=3                     | -1 | 3",
        "timeout=5                 | 5  | -1",
        "max=100,timeout=5         | 5  | 100",
        "'timeout = 5 ,  max = 2'   | 5  | 2",
        "Timeout=5, MAX=9          | 5  | 9",
        "timeout=\"5\", max=\"10\" | 5  | 10",
        "timeout=0, max=0          | 0  | 0",
        "timeout=abc, max=100      | -1 | 100",
        "timeout=5s, max=1.5       | -1 | -1",
        "timeout=-1, max=+3        | -1 | -1",
        "timeout=, max=            | -1 | -1",
        "timeout=\"\"              | -1 | -1",
        "timeout=\"5               | -1 | -1",
        "timeout=1234567890123     | -1 | -1",
        "timeout=123456789012      | 123456789012 | -1",
        "timeout                   | -1 | -1",
        "foo=1, bar, timeout=4     | 4  | -1",
        "'timeout=5 max=3'         | -1 | -1",
        "''                        | -1 | -1",
        "timeout=3, timeout=8      | 8  | -1",
        "timeout=3, timeout=x      | 3  | -1",
    })
    void parses(String value, long timeout, long max) {
        KeepAliveHeader header = parse(value);
        assertEquals(timeout, header.timeoutSeconds(), "timeout of " + value);
        assertEquals(max, header.max(), "max of " + value);
    }

    @Test
    void serverTimeoutLessTheMarginWinsWhenShorter() {
        assertEquals(Duration.ofSeconds(1), KeepAliveHeader.SAFETY_MARGIN);
        assertEquals(Duration.ofSeconds(4), new KeepAliveHeader(5, -1).idleTimeout(Duration.ofSeconds(60)));
        assertEquals(Duration.ofSeconds(4), new KeepAliveHeader(5, -1).idleTimeout(null));
        assertEquals(Duration.ofSeconds(4), new KeepAliveHeader(5, 100).idleTimeout(Duration.ofSeconds(4)));
    }

    @Test
    void peerTimeoutWinsWhenShorter() {
        assertEquals(Duration.ofSeconds(2), new KeepAliveHeader(5, -1).idleTimeout(Duration.ofSeconds(2)));
        assertEquals(Duration.ofMillis(3999), new KeepAliveHeader(5, -1).idleTimeout(Duration.ofMillis(3999)));
        assertEquals(Duration.ZERO, new KeepAliveHeader(5, -1).idleTimeout(Duration.ZERO));
    }

    @Test
    void serverTimeoutWithinTheMarginMeansDoNotPool() {
        assertEquals(Duration.ZERO, new KeepAliveHeader(1, -1).idleTimeout(Duration.ofSeconds(60)));
        assertEquals(Duration.ZERO, new KeepAliveHeader(1, -1).idleTimeout(null));
        assertEquals(Duration.ZERO, new KeepAliveHeader(0, -1).idleTimeout(Duration.ofSeconds(60)));
        assertEquals(Duration.ZERO, new KeepAliveHeader(0, -1).idleTimeout(null));
    }

    @Test
    void absentServerTimeoutKeepsThePeerTimeout() {
        assertEquals(Duration.ofSeconds(60), KeepAliveHeader.ABSENT.idleTimeout(Duration.ofSeconds(60)));
        assertNull(KeepAliveHeader.ABSENT.idleTimeout(null));
        assertEquals(Duration.ZERO, KeepAliveHeader.ABSENT.idleTimeout(Duration.ZERO));
        assertNull(new KeepAliveHeader(-1, 100).idleTimeout(null));
        assertEquals(Duration.ofSeconds(9), parse("max=5").idleTimeout(Duration.ofSeconds(9)));
    }
}
