package org.pingora4j.core.connectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.server.conf.ServerConf;

final class ConnectorOptionsTest {

    private static InetAddress ip(int... bytes) throws UnknownHostException {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            b[i] = (byte) bytes[i];
        }
        return InetAddress.getByAddress(b);
    }

    @Test
    void newSetsOnlyThePoolSize() {
        ConnectorOptions options = new ConnectorOptions(256);

        assertEquals(256, options.keepalivePoolSize());
        assertEquals(512, options.keepalivePoolMaxIdle());
        assertEquals(Duration.ofSeconds(1), options.keepalivePoolTrimDelay());
        assertEquals(Optional.empty(), options.caFile());
        assertEquals(Optional.empty(), options.certKeyFile());
        assertFalse(options.debugSslKeylog());
        assertEquals(Optional.empty(), options.offloadThreadpool());
        assertEquals(List.of(), options.bindToV4());
        assertEquals(List.of(), options.bindToV6());
        assertEquals(ConnectorOptions.builder().keepalivePoolSize(256).build(), options);
    }

    @Test
    void negativePoolSizeIsRejected() {
        assertEquals("keepalivePoolSize: -1 (expected: >= 0)",
                assertThrows(IllegalArgumentException.class, () -> new ConnectorOptions(-1)).getMessage());
    }

    @Test
    void maxIdleDefaultsToTwiceTheSizeCappedAtIntMax() {
        assertEquals(0, new ConnectorOptions(0).keepalivePoolMaxIdle());
        assertEquals(Integer.MAX_VALUE, new ConnectorOptions(Integer.MAX_VALUE).keepalivePoolMaxIdle());
        assertEquals(256, ConnectorOptions.builder().build().keepalivePoolMaxIdle());
    }

    @Test
    void maxIdleFollowsTheSizeUntilSetExplicitly() {
        ConnectorOptions derived = new ConnectorOptions(100);
        assertEquals(600, derived.toBuilder().keepalivePoolSize(300).build().keepalivePoolMaxIdle());

        ConnectorOptions pinned = ConnectorOptions.builder().keepalivePoolMaxIdle(150).keepalivePoolSize(100).build();
        assertEquals(150, pinned.keepalivePoolMaxIdle());
        assertEquals(150, pinned.toBuilder().keepalivePoolSize(120).build().keepalivePoolMaxIdle());
    }

    @Test
    void maxIdleBelowSizeFailsAtBuild() {
        ConnectorOptions.Builder b = ConnectorOptions.builder().keepalivePoolSize(128).keepalivePoolMaxIdle(100);

        assertEquals("keepalivePoolMaxIdle: 100 (expected: >= keepalivePoolSize 128)",
                assertThrows(IllegalStateException.class, b::build).getMessage());
        assertEquals("keepalivePoolMaxIdle: -1 (expected: >= 0)", assertThrows(IllegalArgumentException.class,
                () -> b.keepalivePoolMaxIdle(-1)).getMessage());
    }

    @Test
    void trimDelayIsBounded() {
        ConnectorOptions.Builder b = ConnectorOptions.builder();

        assertEquals("keepalivePoolTrimDelay: PT-1S (expected: 0s..1d)", assertThrows(IllegalArgumentException.class,
                () -> b.keepalivePoolTrimDelay(Duration.ofSeconds(-1))).getMessage());
        assertEquals("keepalivePoolTrimDelay: PT24H0.001S (expected: 0s..1d)",
                assertThrows(IllegalArgumentException.class,
                        () -> b.keepalivePoolTrimDelay(Duration.ofDays(1).plusMillis(1))).getMessage());
        assertEquals(Duration.ZERO, b.keepalivePoolTrimDelay(Duration.ZERO).build().keepalivePoolTrimDelay());
        assertEquals(Duration.ofDays(1), b.keepalivePoolTrimDelay(Duration.ofDays(1)).build().keepalivePoolTrimDelay());
    }

    @Test
    void fromServerConfMapsEveryField() throws UnknownHostException {
        ServerConf conf = ServerConf.builder()
                .upstreamKeepalivePoolSize(300)
                .caFile(Path.of("/etc/ssl/ca.pem"))
                .upstreamDebugSslKeylog(true)
                .upstreamConnectOffloadThreadpools(2)
                .upstreamConnectOffloadThreadPerPool(4)
                .clientBindToIpv4(List.of("192.0.2.1", "192.0.2.2"))
                .clientBindToIpv6(List.of("2001:db8::1", "::ffff:192.0.2.3"))
                .build();

        ConnectorOptions options = ConnectorOptions.fromServerConf(conf);

        assertEquals(300, options.keepalivePoolSize());
        assertEquals(600, options.keepalivePoolMaxIdle());
        assertEquals(Optional.of(Path.of("/etc/ssl/ca.pem")), options.caFile());
        assertTrue(options.debugSslKeylog());
        assertEquals(Optional.of(new OffloadThreadpool(2, 4)), options.offloadThreadpool());
        assertEquals(Optional.empty(), options.certKeyFile());
        assertEquals(List.of(ip(192, 0, 2, 1), ip(192, 0, 2, 2)), options.bindToV4());
        assertEquals(List.of(ip(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1),
                Inet6Address.getByAddress(null,
                        new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 3}, -1)),
                options.bindToV6());
        assertInstanceOf(Inet6Address.class, options.bindToV6().get(1), "IPv4-mapped stays IPv6");
    }

    @Test
    void fromServerConfOffloadsOnlyWithBothSettings() {
        ServerConf poolsOnly = ServerConf.builder().upstreamConnectOffloadThreadpools(2).build();
        ServerConf threadsOnly = ServerConf.builder().upstreamConnectOffloadThreadPerPool(2).build();

        assertEquals(Optional.empty(), ConnectorOptions.fromServerConf(poolsOnly).offloadThreadpool());
        assertEquals(Optional.empty(), ConnectorOptions.fromServerConf(threadsOnly).offloadThreadpool());
        assertEquals(new ConnectorOptions(128), ConnectorOptions.fromServerConf(ServerConf.defaults()));
    }

    @Test
    void builderChecksAddressFamilies() throws UnknownHostException {
        ConnectorOptions.Builder b = ConnectorOptions.builder();
        InetAddress v4 = ip(10, 0, 0, 1);
        InetAddress v6 = ip(0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);

        assertEquals("bindToV4[1]: fe80:0:0:0:0:0:0:1 (expected: an IPv4 address)",
                assertThrows(IllegalArgumentException.class, () -> b.bindToV4(List.of(v4, v6))).getMessage());
        assertEquals("bindToV6[0]: 10.0.0.1 (expected: an IPv6 address)",
                assertThrows(IllegalArgumentException.class, () -> b.bindToV6(List.of(v4))).getMessage());
        ConnectorOptions options = b.bindToV4(List.of(v4)).bindToV6(List.of(v6)).build();
        assertEquals(List.of(v4), options.bindToV4());
        assertThrows(UnsupportedOperationException.class, () -> options.bindToV6().add(v6));
    }

    @Test
    void compoundOptionsValidateTheirParts() {
        assertEquals("pools: 0 (expected: >= 1)",
                assertThrows(IllegalArgumentException.class, () -> new OffloadThreadpool(0, 1)).getMessage());
        assertEquals("threadsPerPool: 0 (expected: >= 1)",
                assertThrows(IllegalArgumentException.class, () -> new OffloadThreadpool(1, 0)).getMessage());
        assertEquals("keyFile",
                assertThrows(NullPointerException.class, () -> new CertKeyFiles(Path.of("c.pem"), null)).getMessage());

        CertKeyFiles files = new CertKeyFiles(Path.of("client.pem"), Path.of("client.key"));
        ConnectorOptions options = ConnectorOptions.builder().certKeyFile(files).build();
        assertEquals(Optional.of(files), options.certKeyFile());
        assertEquals(Optional.empty(), options.toBuilder().certKeyFile(null).build().certKeyFile());
    }

    @Test
    void valueSemantics() {
        ConnectorOptions a = ConnectorOptions.builder().keepalivePoolSize(10).debugSslKeylog(true).build();
        ConnectorOptions b = a.toBuilder().build();

        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, a.toBuilder().debugSslKeylog(false).build());
        assertNotEquals(a, a.toBuilder().keepalivePoolMaxIdle(30).build());
        assertTrue(a.toString().startsWith("ConnectorOptions{keepalivePoolSize=10, keepalivePoolMaxIdle=20,"),
                a.toString());
    }
}
