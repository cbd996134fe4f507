package org.pingora4j.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class H2loadResultTest {

    /** h2load 1.52 (Debian 12), -D 2 without warm-up, over TLS. */
    static final String CLEAN = """
            starting benchmark...
            spawning thread #0: 64 total client(s). Timing-based test with 0s of warm-up time and 2s of main duration for measurements.
            Warm-up started for thread #0.
            progress: 100% of clients started
            Warm-up phase is over for thread #0.
            Main benchmark duration is started for thread #0.
            TLS Protocol: TLSv1.3
            Cipher: TLS_AES_256_GCM_SHA384
            Server Temp Key: ECDH prime256v1 256 bits
            Application protocol: h2
            Main benchmark duration is over for thread #0. Stopping all clients.
            Stopped all clients for thread #0

            finished in 2.00s, 94551.00 req/s, 187.38MB/s
            requests: 189102 total, 189110 started, 189102 done, 189102 succeeded, 0 failed, 0 errored, 0 timeout
            status codes: 189102 2xx, 0 3xx, 0 4xx, 0 5xx
            traffic: 374.75MB (392954596) total, 2.16MB (2269768) headers (space savings 93.75%), 369.34MB (387280896) data
                                 min         max         mean         sd        +/- sd
            time for request:       26us      3.22ms        60us        38us    90.98%
            time for connect:     3.44ms      5.11ms      4.30ms       727us    50.00%
            time to 1st byte:     5.83ms      5.91ms      5.88ms        34us    75.00%
            req/s           :   23601.95    23674.39    23634.92       32.57    50.00%
            """;

    /** With 1 s of --warm-up-time: "finished in" counts it, req/s does not. 4xx and resets. */
    static final String WARM_UP_AND_FAILURES = """
            Application protocol: h2
            finished in 3.00s, 89166.00 req/s, 14.97MB/s
            requests: 178332 total, 178340 started, 178332 done, 178000 succeeded, 332 failed, 32 errored, 2 timeout
            status codes: 178000 2xx, 0 3xx, 300 4xx, 0 5xx
            """;

    @Test
    void parsesRequestsTimeAndNoErrors() {
        H2loadResult r = H2loadResult.parse(CLEAN, null);
        assertEquals(189102, r.requests());
        assertEquals(2.0, r.seconds(), 1e-9);
        assertEquals(189102, r.succeeded());
        assertEquals(0, r.failed());
        assertEquals("h2", r.protocol());
        assertTrue(Double.isNaN(r.p50Ms()), "no log, no percentiles");
        WrkResult w = r.asLoadResult();
        assertEquals(94551.0, w.requestsPerSecond(), 1e-6);
        assertEquals(0, w.errors());
    }

    @Test
    void theMeasuredTimeLeavesTheWarmUpOutAndFailedAreTheErrors() {
        H2loadResult r = H2loadResult.parse(WARM_UP_AND_FAILURES, null);
        assertEquals(2.0, r.seconds(), 1e-9, "178332 done at 89166 req/s");
        assertEquals(332, r.failed());
        assertEquals(32, r.errored());
        assertEquals(332, r.asLoadResult().errors(), "non-2xx/3xx and resets; timeouts are among the errored");
    }

    @Test
    void percentilesComeFromTheLogNearestRank() {
        StringBuilder log = new StringBuilder();
        for (int i = 1; i <= 200; i++) {
            log.append("1796669309685184\t200\t").append(i * 100).append('\n'); // 0.1 ms .. 20 ms
        }
        log.append("a broken line\n");
        H2loadResult r = H2loadResult.parse(CLEAN, log.toString());
        assertEquals(10.0, r.p50Ms(), 1e-9, "the 100th of 200");
        assertEquals(19.8, r.p99Ms(), 1e-9, "the 198th of 200");
        assertEquals(20.0, r.maxMs(), 1e-9, "the slowest of 200");
        assertEquals(20.0, r.asLoadResult().maxMs(), 1e-9);
        assertEquals(10.0, r.asLoadResult().p50Ms(), 1e-9);
    }

    @Test
    void logLinesWithMoreColumnsAndWithoutANewlineAtTheEnd() {
        assertArrayEquals(new double[] {0.5, 2.0}, H2loadResult.latenciesMs("1\t200\t2000\textra\n2\t404\t500"), 1e-12);
        assertTrue(Double.isNaN(H2loadResult.percentile(new double[0], 50)));
    }

    @Test
    void aRunWithoutADoneRequestHasNoLatency() {
        H2loadResult r = H2loadResult.parse("""
                finished in 3.00s, 0.00 req/s, 0B/s
                requests: 0 total, 64 started, 0 done, 0 succeeded, 64 failed, 64 errored, 0 timeout
                """, "1\t200\t100\n");
        assertEquals(3.0, r.seconds(), 1e-9);
        assertEquals("", r.protocol());
        WrkResult w = r.asLoadResult();
        assertEquals(0, w.requestsPerSecond(), 1e-9);
        assertEquals(64, w.errors());
        assertTrue(Double.isNaN(w.p99Ms()));
    }

    @Test
    void rejectsOutputWithoutASummary() {
        assertThrows(IllegalArgumentException.class,
                () -> H2loadResult.parse("connect to 127.0.0.1:1 failed: Connection refused", null));
    }
}
