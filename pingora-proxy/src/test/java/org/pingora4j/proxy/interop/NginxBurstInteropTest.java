package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BurstScenario} against a real nginx ({@code keepalive_timeout 1s; keepalive_requests 100}). */
final class NginxBurstInteropTest {

    @TempDir
    static Path dir;
    static NginxOrigin nginx;
    static InteropProxy proxy;
    static Resources resources;

    @BeforeAll
    static void start() throws Exception {
        nginx = NginxOrigin.start(dir);
        proxy = new InteropProxy(nginx.port());
        resources = Resources.baseline(proxy);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (nginx != null) {
            nginx.close();
        }
    }

    @Test
    void getBurstsAcrossNginxsKeepaliveTimeoutLoseNothing() throws Exception {
        Burst.Tally tally = bursts("nginx GET", false, 0);
        assertEquals(0, tally.post502.sum() + tally.postOk.sum());
    }

    @Test
    void getAndPostBurstsAcrossNginxsKeepaliveTimeoutLoseNoGetAndReplayNoPost() throws Exception {
        Burst.Tally tally = bursts("nginx GET+POST", true, 1_000_000);
        BurstScenario.awaitLogged("nginx", NginxBurstInteropTest::uncheckedLog, 1_000_000, tally);
        BurstScenario.assertNoPostReplayed("nginx", nginx.accessLog(), tally);
    }

    private static Burst.Tally bursts(String scenario, boolean posts, int firstId) throws Exception {
        long acceptedBefore = nginx.acceptedConnections();
        Burst.Tally tally = BurstScenario.run(scenario, proxy, resources, posts, firstId);
        long accepted = nginx.acceptedConnections() - acceptedBefore - 1;
        System.err.println("interop " + scenario + ": nginx accepted " + accepted + " connections for " + tally.sent
                + " requests");
        // keepalive_requests 100 alone forces sent / 100 connections; far more would mean no pooling.
        assertTrue(accepted >= tally.sent.get() / 100, "nginx accepted only " + accepted + " connections");
        assertTrue(accepted < tally.sent.get() / 10,
                "nginx accepted " + accepted + " connections: pooling did not work");
        return tally;
    }

    private static java.util.List<String> uncheckedLog() {
        try {
            return nginx.accessLog();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
