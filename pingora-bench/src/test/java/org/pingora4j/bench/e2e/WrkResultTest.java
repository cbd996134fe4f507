package org.pingora4j.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WrkResultTest {

    static final String CLEAN = """
            Running 10s test @ http://127.0.0.1:18090/
              1 threads and 64 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     2.49ms  763.32us  25.56ms   85.16%
                Req/Sec    25.93k     1.63k   27.23k    92.00%
              Latency Distribution
                 50%    2.38ms
                 75%    2.76ms
                 90%    3.23ms
                 99%    4.47ms
              258122 requests in 10.00s, 557.32MB read
            Requests/sec:  25803.02
            Transfer/sec:     55.71MB
            """;

    static final String WITH_ERRORS = """
            Running 1s test @ http://127.0.0.1:18090/
              1 threads and 256 connections
              Latency Distribution
                 50%  850.00us
                 75%    2.76ms
                 90%    3.23ms
                 99%    1.20s
              170686 requests in 1.01s, 368.53MB read
              Socket errors: connect 1, read 2, write 3, timeout 6
              Non-2xx or 3xx responses: 7
            Requests/sec:  11367.95
            """;

    @Test
    void parsesRequestsLatencyAndNoErrors() {
        WrkResult r = WrkResult.parse(CLEAN);
        assertEquals(258122, r.requests());
        assertEquals(10.0, r.seconds(), 1e-9);
        assertEquals(25812.2, r.requestsPerSecond(), 1e-6);
        assertEquals(2.38, r.p50Ms(), 1e-9);
        assertEquals(4.47, r.p99Ms(), 1e-9);
        assertEquals(25.56, r.maxMs(), 1e-9, "the Latency line's Max");
        assertEquals(0, r.errors());
    }

    @Test
    void errorsAreSocketErrorsPlusNon2xxAndUnitsBecomeMilliseconds() {
        WrkResult r = WrkResult.parse(WITH_ERRORS);
        assertEquals(1 + 2 + 3 + 6 + 7, r.errors());
        assertEquals(0.85, r.p50Ms(), 1e-9);
        assertEquals(1200, r.p99Ms(), 1e-9);
    }

    @Test
    void concatenatedBurstsAddUpAndKeepTheWorstTail() {
        WrkResult r = WrkResult.parse(CLEAN + WITH_ERRORS + CLEAN);
        assertEquals(2 * 258122 + 170686, r.requests());
        assertEquals(21.01, r.seconds(), 1e-9);
        assertEquals(19, r.errors(), "only the middle run had errors");
        assertEquals(2.38, r.p50Ms(), 1e-9, "the median of the three p50s");
        assertEquals(1200, r.p99Ms(), 1e-9, "the worst p99");
        assertEquals(25.56, r.maxMs(), 1e-9, "the slowest of the runs that printed one");
    }

    @Test
    void withoutLatencyDistributionPercentilesAreNaN() {
        WrkResult r = WrkResult.parse("  100 requests in 1.00s, 1MB read\n");
        assertTrue(Double.isNaN(r.p50Ms()));
        assertTrue(Double.isNaN(r.p99Ms()));
    }

    @Test
    void aRunWithoutACompletedRequestHasNoLatency() {
        WrkResult r = WrkResult.parse("""
                  Latency Distribution
                     50%    0.00us
                     99%    0.00us
                  0 requests in 3.01s, 0.00B read
                """);
        assertEquals(0, r.requestsPerSecond(), 1e-9);
        assertTrue(Double.isNaN(r.p50Ms()));
        assertTrue(Double.isNaN(r.p99Ms()));
        assertTrue(Double.isNaN(r.maxMs()));
    }

    @Test
    void rejectsOutputWithoutASummary() {
        assertThrows(IllegalArgumentException.class, () -> WrkResult.parse("unable to connect to 127.0.0.1:1"));
    }
}
