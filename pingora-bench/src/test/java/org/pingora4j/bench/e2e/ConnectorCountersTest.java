package org.pingora4j.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConnectorCountersTest {

    static String page(long sessions, long reused, long connects) {
        return "sessions " + sessions + "\nreused " + reused + "\nconnects_ok " + connects
                + "\nconnects_failed 0\nstale_on_checkout 0\nidle_closed 0\nreleased 5\nnot_reusable 0\n";
    }

    @Test
    void theDifferenceOfTwoPagesGivesThePhasesReuse() {
        ConnectorCounters before = ConnectorCounters.parse(page(1000, 990, 10));
        ConnectorCounters after = ConnectorCounters.parse(page(101000, 100988, 12));
        ConnectorCounters phase = after.minus(before);
        assertEquals(100000, phase.sessions());
        assertEquals(2, phase.connectsOk());
        assertEquals(0.99998, phase.reuseRatio(), 1e-12);
        assertTrue(Double.isNaN(new ConnectorCounters(0, 0, 0).reuseRatio()));
    }

    @Test
    void anEmptyPageIsNotAPage() {
        assertThrows(IllegalArgumentException.class, () -> ConnectorCounters.parse(""));
    }
}
