package org.pingora4j.proxy.interop;

import java.nio.file.Path;
import java.time.Duration;
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
    void burstsAcrossHaproxysKeepaliveTimeoutLoseNoGetAndReplayNoPost() throws Exception {
        Burst.Tally tally = BurstScenario.run("haproxy", proxy, resources);
        Await.until("haproxy logged every request", Duration.ofSeconds(5),
                () -> haproxy.accessLog().size() >= tally.getOk.sum() + tally.postOk.sum());
        BurstScenario.assertNoPostReplayed("haproxy", haproxy.accessLog(), tally);
    }
}
