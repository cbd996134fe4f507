package org.pingora4j.proxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Runs one fault scenario between a scripted origin and a fresh proxy, with the resource accounting
 * around it, and prints the scenario's summary line whether it passed or not.
 */
final class FaultScenario {

    /** The scenario itself: drive clients, inject the fault, assert what the client saw. */
    interface Body {
        void run(FaultFixture proxy, RawOrigin origin, FaultProxy phases, ScenarioTally tally) throws Exception;
    }

    private static boolean warmedUp;

    private FaultScenario() {
    }

    /**
     * Once per JVM, runs a healthy request, a refused one and a failing one through a throw-away
     * proxy, so that the descriptors the JVM opens on first use and keeps (see
     * {@link ResourceBaseline}) are open before any baseline is taken.
     */
    static synchronized void warmUp() throws Exception {
        if (warmedUp) {
            return;
        }
        warmedUp = true;
        int closedPort = closedPort();
        try (RawOrigin origin = new RawOrigin(ex -> ex.reply(200, "warm"));
             FaultFixture proxy = new FaultFixture(new FaultProxy(origin.port(), closedPort, Duration.ofSeconds(5)))) {
            proxy.probe("/warm");
            proxy.probe(FaultProxy.REFUSED_PREFIX + "/warm");
        }
    }

    /**
     * @param allowedPooled idle upstream connections the scenario may leave in the pool (the healthy
     *                      exchanges' connections); the faulty ones must not be there
     */
    static void run(String name, Duration readTimeout, int allowedPooled, RawOrigin.Script script, Body body)
            throws Exception {
        warmUp();
        ScenarioTally tally = new ScenarioTally(name);
        ResourceBaseline baseline = ResourceBaseline.capture();
        FaultProxy phases = null;
        try {
            int closedPort = closedPort();
            try (RawOrigin origin = new RawOrigin(script)) {
                phases = new FaultProxy(origin.port(), closedPort, readTimeout);
                try (FaultFixture proxy = new FaultFixture(phases)) {
                    baseline.watch(proxy.service, origin::openConnections);
                    body.run(proxy, origin, phases, tally);
                    baseline.assertSettled(allowedPooled);
                }
                assertEquals(List.of(), origin.scriptErrors(), "the origin's script failed");
            }
            baseline.assertReleased();
        } finally {
            baseline.close();
            System.out.println(tally.summary() + " proxyOutcomes=" + (phases == null ? "{}" : countOf(phases.outcomes))
                    + " | " + baseline.report());
        }
    }

    private static Map<String, Long> countOf(List<String> outcomes) {
        return outcomes.stream().collect(Collectors.groupingBy(o -> o, TreeMap::new, Collectors.counting()));
    }

    /** A loopback port that was just free: binding and closing it leaves nothing listening there. */
    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
