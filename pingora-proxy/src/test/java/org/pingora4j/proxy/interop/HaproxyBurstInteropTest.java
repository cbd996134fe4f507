package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BurstScenario} against a real HAProxy answering itself ({@code timeout http-keep-alive 1s}). */
final class HaproxyBurstInteropTest {

    @TempDir
    static Path dir;
    static HaproxyOrigin haproxy;
    static InteropProxy proxy;
    static Resources resources;

    @BeforeAll
    static void start() throws Exception {
        haproxy = HaproxyOrigin.start(dir);
        proxy = new InteropProxy(haproxy.port());
        resources = Resources.baseline(proxy);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (haproxy != null) {
            haproxy.close();
        }
    }

    @Test
    void getBurstsAcrossHaproxysKeepaliveTimeoutLoseNothing() throws Exception {
        Burst.Tally tally = BurstScenario.run("haproxy GET", proxy, resources, false, 0);
        assertEquals(0, tally.post502.sum() + tally.postOk.sum());
    }

    @Test
    void getAndPostBurstsAcrossHaproxysKeepaliveTimeoutLoseNoGetAndReplayNoPost() throws Exception {
        Burst.Tally tally = BurstScenario.run("haproxy GET+POST", proxy, resources, true, 1_000_000);
        BurstScenario.awaitLogged("haproxy", haproxy::accessLog, 1_000_000, tally);
        BurstScenario.assertNoPostReplayed("haproxy", haproxy.accessLog(), tally);
    }
}
