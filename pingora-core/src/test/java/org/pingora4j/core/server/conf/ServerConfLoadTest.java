package org.pingora4j.core.server.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ServerConfLoadTest {

    @TempDir
    Path dir;

    @Test
    void loadsEveryKeyOfAFullPingoraFile() throws URISyntaxException {
        ServerConf conf = ServerConf.load(Path.of(getClass().getResource("pingora_conf_full.yaml").toURI()));

        assertEquals(2, conf.version());
        assertTrue(conf.daemon());
        assertEquals(Optional.of("/var/log/pingora/error.log"), conf.errorLog());
        assertEquals("/run/pingora/pingora.pid", conf.pidFile());
        assertEquals("/run/pingora/upgrade.sock", conf.upgradeSock());
        assertEquals(Optional.of("nobody"), conf.user());
        assertEquals(Optional.of("nogroup"), conf.group());
        assertEquals(Optional.of(Path.of("/srv/pingora")), conf.workingDirectory());
        assertEquals(8, conf.threads());
        assertEquals(4, conf.listenerTasksPerFd());
        assertFalse(conf.workStealing());
        assertEquals(Optional.of(Path.of("/etc/ssl/certs/ca-bundle.crt")), conf.caFile());
        assertEquals(Optional.of(30L), conf.gracePeriodSeconds());
        assertEquals(Duration.ofSeconds(30), conf.gracePeriod());
        assertEquals(Optional.of(10L), conf.gracefulShutdownTimeoutSeconds());
        assertEquals(Duration.ofSeconds(10), conf.gracefulShutdownTimeout());
        assertEquals(List.of("192.0.2.10", "192.0.2.11"), conf.clientBindToIpv4());
        assertEquals(List.of("2001:db8::10"), conf.clientBindToIpv6());
        assertEquals(512, conf.upstreamKeepalivePoolSize());
        assertEquals(Optional.of(2), conf.upstreamConnectOffloadThreadpools());
        assertEquals(Optional.of(3), conf.upstreamConnectOffloadThreadPerPool());
        assertTrue(conf.upstreamDebugSslKeylog());
        assertEquals(3, conf.maxRetries());
        assertEquals(Optional.of(7), conf.upgradeSockConnectAcceptMaxRetries());
        assertEquals(Optional.of(64), conf.maxBlockingThreads());
        assertEquals(Optional.of(20L), conf.blockingThreadsTtlSeconds());
        assertTrue(conf.daemonWaitForReady());
        assertEquals(Optional.of(120L), conf.daemonReadyTimeoutSeconds());
        assertEquals(Duration.ofSeconds(120), conf.daemonReadyTimeout());
        assertEquals(Optional.of(15L), conf.daemonNotifyTimeoutSeconds());
        assertEquals(Duration.ofSeconds(15), conf.daemonNotifyTimeout());
        assertEquals(List.of(), conf.ignoredKeys());
        assertNotEquals(ServerConf.defaults(), conf);
    }

    @Test
    void defaultsAreSameInCodeForVersionOneAndForAnEmptyDocument() {
        List<ServerConf> confs = List.of(ServerConf.defaults(), ServerConf.builder().build(),
                ServerConf.fromYaml("---\nversion: 1"), ServerConf.fromYaml(""),
                ServerConf.fromYaml("---\n# only a comment\n"));
        for (ServerConf conf : confs) {
            assertEquals(1, conf.version());
            assertFalse(conf.daemon());
            assertEquals(Optional.empty(), conf.errorLog());
            assertEquals("/tmp/pingora.pid", conf.pidFile());
            assertEquals("/tmp/pingora_upgrade.sock", conf.upgradeSock());
            assertEquals(Optional.empty(), conf.user());
            assertEquals(Optional.empty(), conf.workingDirectory());
            assertEquals(1, conf.threads());
            assertEquals(1, conf.listenerTasksPerFd());
            assertTrue(conf.workStealing());
            assertEquals(Optional.empty(), conf.caFile());
            assertEquals(Duration.ofSeconds(300), conf.gracePeriod());
            assertEquals(Duration.ofSeconds(5), conf.gracefulShutdownTimeout());
            assertEquals(List.of(), conf.clientBindToIpv4());
            assertEquals(List.of(), conf.clientBindToIpv6());
            assertEquals(128, conf.upstreamKeepalivePoolSize());
            assertEquals(Optional.empty(), conf.upstreamConnectOffloadThreadpools());
            assertFalse(conf.upstreamDebugSslKeylog());
            assertEquals(16, conf.maxRetries());
            assertEquals(Optional.empty(), conf.maxBlockingThreads());
            assertFalse(conf.daemonWaitForReady());
            assertEquals(Duration.ofSeconds(600), conf.daemonReadyTimeout());
            assertEquals(Duration.ofSeconds(60), conf.daemonNotifyTimeout());
            assertEquals(ServerConf.defaults(), conf);
            assertEquals(ServerConf.defaults().hashCode(), conf.hashCode());
        }
        assertEquals(128, ServerConf.DEFAULT_UPSTREAM_KEEPALIVE_POOL_SIZE);
        assertEquals(16, ServerConf.DEFAULT_MAX_RETRIES);
    }

    @Test
    void readsTheChaptersServerSectionFromAUtf8File() throws Exception {
        Path file = dir.resolve("conf.yaml");
        Files.writeString(file, "server:\n  upstream_keepalive_pool_size: 256  # 默认值为 128\n",
                StandardCharsets.UTF_8);

        ServerConf conf = ServerConf.load(file);

        assertEquals(256, conf.upstreamKeepalivePoolSize());
        assertEquals(ServerConf.defaults().toBuilder().upstreamKeepalivePoolSize(256).build(), conf);
        assertEquals(List.of(), conf.ignoredKeys());
    }

    @Test
    void mergesTheServerSectionWithTopLevelKeys() {
        ServerConf conf = ServerConf.fromYaml("threads: 4\nserver:\n  max_retries: 2\n  daemon: true\n");

        assertEquals(4, conf.threads());
        assertEquals(2, conf.maxRetries());
        assertTrue(conf.daemon());
        assertEquals(ServerConf.defaults(), ServerConf.fromYaml("server:\n"));
    }

    @Test
    void ignoresUnknownKeysButListsThemInFileOrder() {
        ServerConf conf = ServerConf.fromYaml("""
                my_app_upstream: origin.example.com
                threads: 2
                server:
                  custom_flag: true
                  upstream_keepalive_pool_size: 64
                another: [1, 2]
                """);

        assertEquals(2, conf.threads());
        assertEquals(64, conf.upstreamKeepalivePoolSize());
        assertEquals(List.of("my_app_upstream", "server.custom_flag", "another"), conf.ignoredKeys());
        assertEquals(ServerConf.builder().threads(2).upstreamKeepalivePoolSize(64).build(), conf);
    }

    @Test
    void acceptsScalarsForStringKeysAndNullForOptionalKeys() {
        ServerConf conf = ServerConf.fromYaml("user: 1000\ngroup: '0x10'\nerror_log: ~\nca_file:\n");

        assertEquals(Optional.of("1000"), conf.user());
        assertEquals(Optional.of("0x10"), conf.group());
        assertEquals(Optional.empty(), conf.errorLog());
        assertEquals(Optional.empty(), conf.caFile());
    }

    @Test
    void toYamlRoundTripsAFullAndADefaultConfiguration() throws URISyntaxException {
        ServerConf full = ServerConf.load(Path.of(getClass().getResource("pingora_conf_full.yaml").toURI()));
        ServerConf tricky = full.toBuilder().user("1000").group("true").errorLog("日志 \"quoted\"").build();

        for (ServerConf conf : List.of(full, tricky, ServerConf.defaults())) {
            String yaml = conf.toYaml();
            assertTrue(yaml.startsWith("---\n"), yaml);
            assertEquals(conf, ServerConf.fromYaml(yaml), yaml);
        }
        String defaults = ServerConf.defaults().toYaml();
        assertTrue(defaults.contains("upstream_keepalive_pool_size: 128\n"), defaults);
        assertFalse(defaults.contains("error_log"), defaults);
        assertFalse(defaults.contains("client_bind_to_ipv4"), defaults);
    }

    @Test
    void ignoredKeysDoNotTakePartInEquality() {
        ServerConf withUnknown = ServerConf.fromYaml("threads: 3\nextension: x\n");
        ServerConf plain = ServerConf.builder().threads(3).build();

        assertEquals(plain, withUnknown);
        assertEquals(plain.hashCode(), withUnknown.hashCode());
        assertEquals(List.of("extension"), withUnknown.toBuilder().build().ignoredKeys());
        assertEquals(List.of(), plain.ignoredKeys());
    }
}
