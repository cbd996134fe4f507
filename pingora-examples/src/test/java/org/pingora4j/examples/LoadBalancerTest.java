package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.proxy.Session;

/** The load balancer of "Your first proxy": round-robin over three local origins, and failover. */
final class LoadBalancerTest {

    @Test
    void spreadsRequestsRoundRobinAcrossThreeOrigins() throws Exception {
        try (TestOrigin a = TestOrigin.plain(); TestOrigin b = TestOrigin.plain(); TestOrigin c = TestOrigin.plain()) {
            List<String> seenByA = record(a);
            List<String> seenByB = record(b);
            List<String> seenByC = record(c);
            try (ExampleFixture fixture = new ExampleFixture(
                    new LoadBalancer(List.of(a.address(), b.address(), c.address())))) {
                for (int i = 1; i <= 9; i++) {
                    assertOk(fixture.get("lb.test", "/" + i));
                }
            }
            assertEquals(List.of("/1", "/4", "/7"), seenByA);
            assertEquals(List.of("/2", "/5", "/8"), seenByB);
            assertEquals(List.of("/3", "/6", "/9"), seenByC);
        }
    }

    @Test
    void failsOverFromADeadOriginToTheNextOne() throws Exception {
        try (TestOrigin a = TestOrigin.plain(); TestOrigin c = TestOrigin.plain()) {
            List<String> seenByA = record(a);
            List<String> seenByC = record(c);
            String dead = closedPort();
            Map<String, Integer> retries = new ConcurrentHashMap<>();
            CountDownLatch logged = new CountDownLatch(6);
            LoadBalancer balancer = new LoadBalancer(List.of(a.address(), dead, c.address())) {
                @Override
                public void logging(Session session, PingoraException error, Integer turn) {
                    retries.put(session.reqHeader().uri(), session.retries());
                    logged.countDown();
                }
            };
            try (ExampleFixture fixture = new ExampleFixture(balancer)) {
                for (int i = 1; i <= 6; i++) {
                    assertOk(fixture.get("lb.test", "/" + i));
                }
                assertTrue(logged.await(10, TimeUnit.SECONDS), "every request reached the logging phase");
            }
            assertEquals(List.of("/1", "/4"), seenByA);
            // The dead origin's turns (/2 and /5) are served by the next origin, after one failed connect
            assertEquals(List.of("/2", "/3", "/5", "/6"), seenByC);
            assertEquals(Map.of("/1", 0, "/2", 1, "/3", 0, "/4", 0, "/5", 1, "/6", 0), retries);
        }
    }

    /** Answers 200 and records the path of each request the origin serves, in order. */
    private static List<String> record(TestOrigin origin) {
        List<String> paths = new CopyOnWriteArrayList<>();
        origin.responder(ex -> {
            paths.add(ex.request().uri());
            ex.reply(HttpResponseStatus.OK, "ok");
        });
        return paths;
    }

    /** Returns 127.0.0.1:port for a port that was just free: nothing listens, so connecting is refused. */
    static String closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return "127.0.0.1:" + socket.getLocalPort();
        }
    }

    private static void assertOk(String response) {
        assertTrue(response.startsWith("HTTP/1.1 200 OK"), response);
    }
}
