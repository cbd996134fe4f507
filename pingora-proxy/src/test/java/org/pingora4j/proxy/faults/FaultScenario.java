package org.pingora4j.proxy.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.server.conf.ServerConf;

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
        try (Socket closed = closedPort();
             RawOrigin origin = new RawOrigin(ex -> ex.reply(200, "warm"));
             FaultFixture proxy = new FaultFixture(new FaultProxy(origin.port(), closed.getLocalPort(), Duration.ofSeconds(5)))) {
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
        run(name, readTimeout, ConnectorOptions.fromServerConf(ServerConf.defaults()), allowedPooled, script, body);
    }

    /** {@link #run(String, Duration, int, RawOrigin.Script, Body)} with the proxy's connector options. */
    static void run(String name, Duration readTimeout, ConnectorOptions connector, int allowedPooled,
                    RawOrigin.Script script, Body body) throws Exception {
        warmUp();
        ScenarioTally tally = new ScenarioTally(name);
        FaultProxy phases = null;
        Socket closed = closedPort();
        ResourceBaseline baseline = ResourceBaseline.capture();
        try (closed) {
            try (RawOrigin origin = new RawOrigin(script)) {
                phases = new FaultProxy(origin.port(), closed.getLocalPort(), readTimeout);
                try (FaultFixture proxy = new FaultFixture(phases, connector)) {
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

    /**
     * A socket bound to a loopback port without listening: a connection to that port is refused, and
     * while the socket stays open the port cannot become anything else, neither another test's
     * listener nor the ephemeral source port of the proxy's own connect (which would connect the
     * proxy to itself, TCP's simultaneous open, and turn "refused" into a read timeout).
     */
    static Socket closedPort() throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return socket;
    }
}
