package org.pingora4j.core.services;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;

/**
 * A listener drains its backlog in one turn of its event loop, as many connections as wait (up to
 * 128), not one per turn: on a busy loop one a turn leaves new clients waiting seconds. Netty's
 * epoll transport stops after one accept unless told otherwise; each socket transport this
 * machine has is checked.
 */
final class AcceptBacklogTest {

    private static final int WAITING = 50;

    private EventLoopGroup group;
    private CountingService service;
    private final List<Socket> clients = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Socket s : clients) {
            s.close();
        }
        if (service != null) {
            service.shutdown();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"best", "nio"})
    void acceptsEveryWaitingConnectionInOneTurnOfTheLoop(String which) throws Exception {
        Transport transport = which.equals("nio") ? Transport.nio() : Transport.best();
        group = new MultiThreadIoEventLoopGroup(1, transport.ioHandlerFactory());
        service = new CountingService();
        service.addTcp("127.0.0.1:0");
        service.start(new ServiceContext(ServerConf.defaults(), group, transport));
        InetSocketAddress address = service.boundAddresses().get(0);

        // Hold the loop while the clients connect: the kernel completes their handshakes into the
        // listener's backlog, so that all of them wait there when the loop turns next.
        CountDownLatch hold = new CountDownLatch(1);
        CountDownLatch holding = new CountDownLatch(1);
        group.next().execute(() -> {
            holding.countDown();
            try {
                hold.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        holding.await();
        for (int i = 0; i < WAITING; i++) {
            clients.add(new Socket(address.getAddress(), address.getPort()));
        }
        hold.countDown();

        assertEquals(WAITING, service.firstTurn.get(10, TimeUnit.SECONDS),
                transport.name() + ": connections accepted in the turn that found them waiting");
    }

    /** Counts accepted connections; at the first, asks the loop how many the same turn accepted. */
    private static final class CountingService extends ListeningService {
        private final AtomicInteger accepted = new AtomicInteger();
        final CompletableFuture<Integer> firstTurn = new CompletableFuture<>();

        CountingService() {
            super("counting");
        }

        @Override
        protected void initConnection(Channel channel, boolean tls) {
            if (accepted.incrementAndGet() == 1) {
                // A task runs after the I/O of the turn that queued it: after this turn's accepts.
                channel.eventLoop().execute(() -> firstTurn.complete(accepted.get()));
            }
        }

        @Override
        public java.util.concurrent.CompletionStage<Void> drained() {
            return CompletableFuture.completedFuture(null);
        }
    }
}
