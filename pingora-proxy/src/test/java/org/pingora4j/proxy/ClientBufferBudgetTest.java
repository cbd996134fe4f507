package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The service-wide budget of buffered client data, driven by hand from two threads. */
final class ClientBufferBudgetTest {

    private static final long LIMIT = 100 * ClientBufferBudget.GRAIN;

    /** A connection that records being asked to shed, and can hold the pass that asks. */
    private static final class Conn implements ClientBufferBudget.Holder {
        ClientBufferBudget.Account account;
        volatile long askedToShed;
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch proceed;

        @Override
        public ClientBufferBudget.Account account() {
            return account;
        }

        @Override
        public void requestShed(long bytes) {
            askedToShed = bytes;
            entered.countDown();
            if (proceed != null) {
                try {
                    proceed.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @Test
    void aChargeOverTheLimitDuringAnotherThreadsPassIsShedByAPassAfterIt() throws Exception {
        List<Conn> conns = new CopyOnWriteArrayList<>();
        ClientBufferBudget budget = new ClientBufferBudget(LIMIT, conns);
        Conn first = new Conn();
        Conn second = new Conn();
        first.proceed = new CountDownLatch(1);
        for (Conn c : List.of(first, second)) {
            c.account = budget.newAccount(c);
            conns.add(c);
        }

        // Thread A crosses the limit with the first connection; its pass picks the first connection
        // and is held there, inside the pass.
        Thread a = new Thread(() -> first.account.holds(LIMIT + ClientBufferBudget.GRAIN));
        a.start();
        assertTrue(first.entered.await(10, TimeUnit.SECONDS), "the first pass chose the first connection");

        // Meanwhile the second connection grows past what the first gives back: its charge finds a
        // pass running.
        second.account.holds(LIMIT);
        assertEquals(0, second.askedToShed, "no second pass while the first runs");

        first.proceed.countDown();
        a.join(10_000);
        assertTrue(second.askedToShed > 0, "the pass ran again for the charge it missed, and shed the second connection");
        assertEquals(2, budget.shedCount());
    }

    @Test
    void underTheLimitNothingIsShed() {
        List<Conn> conns = new CopyOnWriteArrayList<>();
        ClientBufferBudget budget = new ClientBufferBudget(LIMIT, conns);
        Conn c = new Conn();
        c.account = budget.newAccount(c);
        conns.add(c);

        c.account.holds(LIMIT);

        assertEquals(0, c.askedToShed);
        assertEquals(LIMIT, budget.charged());
        c.account.close();
        assertEquals(0, budget.charged());
    }
}
