package org.pingora4j.core.server.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

final class ServerConfBuilderTest {

    private static String iae(Executable call) {
        return assertThrows(IllegalArgumentException.class, call).getMessage();
    }

    @Test
    void settersRejectOutOfRangeValuesWithExactMessages() {
        ServerConfBuilder b = ServerConf.builder();

        assertEquals("upstreamKeepalivePoolSize: -1 (expected: >= 0)", iae(() -> b.upstreamKeepalivePoolSize(-1)));
        assertEquals("threads: 0 (expected: >= 1)", iae(() -> b.threads(0)));
        assertEquals("listenerTasksPerFd: 0 (expected: >= 1)", iae(() -> b.listenerTasksPerFd(0)));
        assertEquals("maxRetries: -3 (expected: >= 0)", iae(() -> b.maxRetries(-3)));
        assertEquals("version: -1 (expected: >= 0)", iae(() -> b.version(-1)));
        assertEquals("maxBlockingThreads: 0 (expected: >= 1)", iae(() -> b.maxBlockingThreads(0)));
        assertEquals("upstreamConnectOffloadThreadpools: 0 (expected: >= 1)",
                iae(() -> b.upstreamConnectOffloadThreadpools(0)));
        assertEquals("gracePeriodSeconds: -1 (expected: >= 0)", iae(() -> b.gracePeriodSeconds(-1L)));
        assertEquals("daemonReadyTimeoutSeconds: 0 (expected: >= 1)", iae(() -> b.daemonReadyTimeoutSeconds(0L)));
        assertEquals("pidFile: \"\" (expected: a non-empty string)", iae(() -> b.pidFile("")));
        assertEquals("caFile: \"\" (expected: a non-empty path)", iae(() -> b.caFile(Path.of(""))));
        assertEquals("clientBindToIpv4[1]: \"example.com\" (expected: an IPv4 literal)",
                iae(() -> b.clientBindToIpv4(List.of("10.0.0.1", "example.com"))));
        assertEquals("clientBindToIpv6[0]: \"10.0.0.1\" (expected: an IPv6 literal)",
                iae(() -> b.clientBindToIpv6(List.of("10.0.0.1"))));
        assertEquals("pidFile", assertThrows(NullPointerException.class, () -> b.pidFile(null)).getMessage());
        assertEquals("clientBindToIpv4[0]", assertThrows(NullPointerException.class,
                () -> b.clientBindToIpv4(Arrays.asList((String) null))).getMessage());

        assertEquals(ServerConf.defaults(), b.build(), "rejected values must leave the builder unchanged");
    }

    @Test
    void boundaryValuesAreAccepted() {
        ServerConf conf = ServerConf.builder().upstreamKeepalivePoolSize(0).maxRetries(0).version(0)
                .gracePeriodSeconds(0L).threads(Integer.MAX_VALUE).build();

        assertEquals(0, conf.upstreamKeepalivePoolSize());
        assertEquals(Duration.ZERO, conf.gracePeriod());
        assertEquals(Integer.MAX_VALUE, conf.threads());
    }

    @Test
    void nullUnsetsOptionalKeys() {
        ServerConf set = ServerConf.builder().user("www").gracePeriodSeconds(10L).caFile(Path.of("/ca.pem")).build();
        ServerConf unset = set.toBuilder().user(null).gracePeriodSeconds(null).caFile(null).build();

        assertEquals(Optional.of("www"), set.user());
        assertEquals(ServerConf.defaults(), unset);
        assertEquals(Duration.ofSeconds(300), unset.gracePeriod());
    }

    @Test
    void bindListsAreCopiedAndUnmodifiable() {
        List<String> addresses = new ArrayList<>(List.of("10.0.0.1"));
        ServerConf conf = ServerConf.builder().clientBindToIpv4(addresses).build();
        addresses.add("10.0.0.2");

        assertEquals(List.of("10.0.0.1"), conf.clientBindToIpv4());
        assertThrows(UnsupportedOperationException.class, () -> conf.clientBindToIpv4().add("10.0.0.3"));
    }

    @Test
    void valueSemantics() {
        ServerConf a = ServerConf.builder().threads(4).user("www").build();
        ServerConf b = ServerConf.builder().user("www").threads(4).build();

        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a, a.toBuilder().build());
        assertNotEquals(a, a.toBuilder().threads(5).build());
        assertNotEquals(a, a.toBuilder().user(null).build());
        assertTrue(a.toString().startsWith("ServerConf{version=1, daemon=false, errorLog=null,"), a.toString());
        assertTrue(a.toString().contains("threads=4"), a.toString());
        assertTrue(a.toString().contains("upstreamKeepalivePoolSize=128"), a.toString());
    }
}
