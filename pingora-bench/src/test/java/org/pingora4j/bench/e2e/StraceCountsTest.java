package org.pingora4j.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class StraceCountsTest {

    static final String SUMMARY = """
            % time     seconds  usecs/call     calls    errors syscall
            ------ ----------- ----------- --------- --------- ----------------
             34.70    0.717962          17     40102        51 sendto
             24.81    0.513295          12     40069        10 recvfrom
             20.74    0.429230          10     20000           epoll_ctl
             19.57    0.404876          20     20000           writev
              0.13    0.002756          22       124           read
            ------ ----------- ----------- --------- --------- ----------------
            100.00    2.069208          14    120295        61 total
            """;

    @Test
    void countsEachCallAndSkipsTheTotal() {
        StraceCounts c = StraceCounts.parse(SUMMARY);
        assertEquals(40102L, c.calls().get("sendto"));
        assertEquals(124L, c.calls().get("read"));
        assertEquals(5, c.calls().size());
    }

    @Test
    void perRequestFiguresSeparateSocketCallsFromEpollCtl() {
        StraceCounts c = StraceCounts.parse(SUMMARY);
        assertEquals((40102 + 40069 + 20000 + 124) / 20000.0, c.readsWritesPer(20000), 1e-9);
        assertEquals(1.0, c.epollCtlPer(20000), 1e-9);
        assertEquals("2.01 sendto, 2.00 recvfrom, 1.00 epoll_ctl, 1.00 writev, 0.01 read", c.breakdownPer(20000));
    }
}
