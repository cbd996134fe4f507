package org.pingora4j.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StartupTest {

    @Test
    void reachedAtTheEndOfTheFirstWindowAtNinetyPercentOfTheLastWindowsMedian() {
        String windows = """
                1.5 1000
                2.5 5000
                3.5 9100
                4.5 8000
                5.5 10000
                6.5 10000
                7.5 10000
                8.5 10000
                9.5 10000
                """;
        Startup s = Startup.parse(0.5, windows);
        assertEquals(10000, s.steadyRequestsPerSecond(), 1e-9);
        assertEquals(3.5, s.secondsTo90(), 1e-9);
        assertEquals(0.5, s.firstResponseSeconds(), 1e-9);
    }

    @Test
    void noWindowsMeansNotReached() {
        assertTrue(Double.isNaN(Startup.parse(1, "").secondsTo90()));
    }
}
