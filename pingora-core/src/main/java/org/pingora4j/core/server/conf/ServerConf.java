package org.pingora4j.core.server.conf;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;

/**
 * The server-wide settings read from the configuration file. Mirrors pingora's {@code ServerConf}
 * ({@code pingora-core/src/server/configuration/mod.rs}): same keys, same defaults, same flat YAML
 * format.
 *
 * <p>Immutable. Build one with {@link #builder()}, start from {@link #defaults()}, or read one with
 * {@link #load(Path)} / {@link #fromYaml(String)}; see {@link ServerConfBuilder} for the bounds of
 * each key. The YAML names are the snake_case forms of the accessor names
 * ({@code upstream_keepalive_pool_size} is {@link #upstreamKeepalivePoolSize()}).
 *
 * <p>Differences from pingora: values are validated when loaded (pingora panics on a bad bind
 * address when it builds its connectors and accepts a zero thread count); an absent {@code version}
 * reads as 1, not 0; and the keys may also be nested under a top-level {@code server:} mapping (see
 * {@link #fromYaml(String, String)}).
 */
public final class ServerConf {

    /** The default {@link #version()}. */
    public static final int DEFAULT_VERSION = 1;
    /** The default {@link #pidFile()}. */
    public static final String DEFAULT_PID_FILE = "/tmp/pingora.pid";
    /** The default {@link #upgradeSock()}. */
    public static final String DEFAULT_UPGRADE_SOCK = "/tmp/pingora_upgrade.sock";
    /** The default {@link #threads()}. */
    public static final int DEFAULT_THREADS = 1;
    /** The default {@link #listenerTasksPerFd()}. */
    public static final int DEFAULT_LISTENER_TASKS_PER_FD = 1;
    /** The default {@link #upstreamKeepalivePoolSize()}, pingora's as well. */
    public static final int DEFAULT_UPSTREAM_KEEPALIVE_POOL_SIZE = 128;
    /** The default {@link #maxRetries()}, pingora's {@code DEFAULT_MAX_RETRIES}. */
    public static final int DEFAULT_MAX_RETRIES = 16;
    /** The {@link #gracePeriod()} when {@code grace_period_seconds} is unset. */
    public static final Duration DEFAULT_GRACE_PERIOD = Duration.ofSeconds(300);
    /** The {@link #gracefulShutdownTimeout()} when {@code graceful_shutdown_timeout_seconds} is unset. */
    public static final Duration DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);
    /** The {@link #daemonReadyTimeout()} when {@code daemon_ready_timeout_seconds} is unset. */
    public static final Duration DEFAULT_DAEMON_READY_TIMEOUT = Duration.ofSeconds(600);
    /** The {@link #daemonNotifyTimeout()} when {@code daemon_notify_timeout_seconds} is unset. */
    public static final Duration DEFAULT_DAEMON_NOTIFY_TIMEOUT = Duration.ofSeconds(60);

    private static final ServerConf DEFAULTS = new ServerConfBuilder().build();

    private final int version;
    private final boolean daemon;
    private final String errorLog;
    private final String pidFile;
    private final String upgradeSock;
    private final String user;
    private final String group;
    private final Path workingDirectory;
    private final int threads;
    private final int listenerTasksPerFd;
    private final boolean workStealing;
    private final Path caFile;
    private final Long gracePeriodSeconds;
    private final Long gracefulShutdownTimeoutSeconds;
    private final List<String> clientBindToIpv4;
    private final List<String> clientBindToIpv6;
    private final int upstreamKeepalivePoolSize;
    private final Integer upstreamConnectOffloadThreadpools;
    private final Integer upstreamConnectOffloadThreadPerPool;
    private final boolean upstreamDebugSslKeylog;
    private final int maxRetries;
    private final Integer upgradeSockConnectAcceptMaxRetries;
    private final Integer maxBlockingThreads;
    private final Long blockingThreadsTtlSeconds;
    private final boolean daemonWaitForReady;
    private final Long daemonReadyTimeoutSeconds;
    private final Long daemonNotifyTimeoutSeconds;
    private final List<String> ignoredKeys;

    ServerConf(ServerConfBuilder b) {
        version = b.version;
        daemon = b.daemon;
        errorLog = b.errorLog;
        pidFile = b.pidFile;
        upgradeSock = b.upgradeSock;
        user = b.user;
        group = b.group;
        workingDirectory = b.workingDirectory;
        threads = b.threads;
        listenerTasksPerFd = b.listenerTasksPerFd;
        workStealing = b.workStealing;
        caFile = b.caFile;
        gracePeriodSeconds = b.gracePeriodSeconds;
        gracefulShutdownTimeoutSeconds = b.gracefulShutdownTimeoutSeconds;
        clientBindToIpv4 = b.clientBindToIpv4;
        clientBindToIpv6 = b.clientBindToIpv6;
        upstreamKeepalivePoolSize = b.upstreamKeepalivePoolSize;
        upstreamConnectOffloadThreadpools = b.upstreamConnectOffloadThreadpools;
        upstreamConnectOffloadThreadPerPool = b.upstreamConnectOffloadThreadPerPool;
        upstreamDebugSslKeylog = b.upstreamDebugSslKeylog;
        maxRetries = b.maxRetries;
        upgradeSockConnectAcceptMaxRetries = b.upgradeSockConnectAcceptMaxRetries;
        maxBlockingThreads = b.maxBlockingThreads;
        blockingThreadsTtlSeconds = b.blockingThreadsTtlSeconds;
        daemonWaitForReady = b.daemonWaitForReady;
        daemonReadyTimeoutSeconds = b.daemonReadyTimeoutSeconds;
        daemonNotifyTimeoutSeconds = b.daemonNotifyTimeoutSeconds;
        ignoredKeys = b.ignoredKeys;
    }

    /** Returns a builder holding the defaults. Mirrors building pingora's {@code ServerConf} by hand. */
    public static ServerConfBuilder builder() {
        return new ServerConfBuilder();
    }

    /** Returns a builder holding this configuration's values, ignored keys included. */
    public ServerConfBuilder toBuilder() {
        return new ServerConfBuilder(this);
    }

    /** Returns the default configuration, version 1. Mirrors pingora's {@code ServerConf::new()}. */
    public static ServerConf defaults() {
        return DEFAULTS;
    }

    /**
     * Reads the YAML configuration file {@code file} (UTF-8). Mirrors pingora's
     * {@code ServerConf::load_from_yaml}; the format is described at {@link #fromYaml(String, String)}.
     *
     * @throws org.pingora4j.core.error.PingoraException {@code FILE_READ_ERROR} if the file cannot be
     *     read, {@code CONFIG_ERROR} if its content is not a valid configuration
     */
    public static ServerConf load(Path file) {
        return ServerConfLoader.load(file);
    }

    /**
     * Parses a YAML configuration, naming it {@code <string>} in errors. Mirrors pingora's
     * {@code ServerConf::from_yaml}.
     *
     * @throws org.pingora4j.core.error.PingoraException {@code CONFIG_ERROR} if it is not a valid
     *     configuration
     */
    public static ServerConf fromYaml(String yaml) {
        return fromYaml(yaml, "<string>");
    }

    /**
     * Parses a YAML configuration, naming it {@code sourceName} in errors and warnings. Mirrors
     * pingora's {@code ServerConf::from_yaml}.
     *
     * <p>The document is pingora's: a flat mapping of the snake_case keys, any of them absent (then
     * it takes its default); an empty document gives {@link #defaults()}. Integer keys take YAML
     * integers only, boolean keys YAML booleans only; string and path keys take any scalar, written
     * as YAML resolves it ({@code user: 1000} is {@code "1000"}, but {@code user: 0x10} is
     * {@code "16"}: quote such values); the bind lists take sequences of IP literals. A {@code null}
     * value leaves an optional key unset.
     *
     * <p>Unknown keys are ignored, as pingora ignores them so that applications can keep their own
     * keys in the same file; they are logged in one warning and listed by {@link #ignoredKeys()}.
     *
     * <p>pingora4j addition: the keys may also sit under a top-level {@code server:} mapping, which
     * then counts as if its entries were at the top level (pingora itself would ignore the whole
     * {@code server:} key). A key set both there and at the top level is an error.
     *
     * @throws org.pingora4j.core.error.PingoraException {@code CONFIG_ERROR} naming the source, the
     *     key, the value and what was expected, or the line and column of a YAML syntax error
     */
    public static ServerConf fromYaml(String yaml, String sourceName) {
        return ServerConfLoader.parse(yaml, sourceName);
    }

    /**
     * Returns this configuration as a flat YAML document of every key that is set, which
     * {@link #fromYaml(String)} reads back to an equal configuration. Mirrors pingora's
     * {@code ServerConf::to_yaml}.
     */
    public String toYaml() {
        return ServerConfLoader.dump(this);
    }

    /** Returns pingora's {@code version}: the configuration format version. */
    public int version() {
        return version;
    }

    /** Returns pingora's {@code daemon}: whether the process runs in the background. */
    public boolean daemon() {
        return daemon;
    }

    /** Returns pingora's {@code error_log}: the error log file when daemonized, else stderr. */
    public Optional<String> errorLog() {
        return Optional.ofNullable(errorLog);
    }

    /** Returns pingora's {@code pid_file}: the pid file written when daemonized. */
    public String pidFile() {
        return pidFile;
    }

    /** Returns pingora's {@code upgrade_sock}: the socket that hands listeners over on upgrade. */
    public String upgradeSock() {
        return upgradeSock;
    }

    /** Returns pingora's {@code user}: the user to switch to after daemonizing. */
    public Optional<String> user() {
        return Optional.ofNullable(user);
    }

    /** Returns pingora's {@code group}: the group to switch to after daemonizing. */
    public Optional<String> group() {
        return Optional.ofNullable(group);
    }

    /** Returns pingora's {@code working_directory}: the directory after daemonizing. */
    public Optional<Path> workingDirectory() {
        return Optional.ofNullable(workingDirectory);
    }

    /** Returns pingora's {@code threads}: the threads of each service, not shared across services. */
    public int threads() {
        return threads;
    }

    /** Returns pingora's {@code listener_tasks_per_fd}: accept tasks per listening socket. */
    public int listenerTasksPerFd() {
        return listenerTasksPerFd;
    }

    /** Returns pingora's {@code work_stealing}: whether a service's threads steal work. */
    public boolean workStealing() {
        return workStealing;
    }

    /** Returns pingora's {@code ca_file}: the CA file for upstream certificates, else the default. */
    public Optional<Path> caFile() {
        return Optional.ofNullable(caFile);
    }

    /** Returns pingora's {@code grace_period_seconds}: the wait before the final shutdown step. */
    public Optional<Long> gracePeriodSeconds() {
        return Optional.ofNullable(gracePeriodSeconds);
    }

    /** Returns pingora's {@code grace_period_seconds} as a duration, 300 s if unset. */
    public Duration gracePeriod() {
        return gracePeriodSeconds == null ? DEFAULT_GRACE_PERIOD : Duration.ofSeconds(gracePeriodSeconds);
    }

    /** Returns pingora's {@code graceful_shutdown_timeout_seconds}: the final step's timeout. */
    public Optional<Long> gracefulShutdownTimeoutSeconds() {
        return Optional.ofNullable(gracefulShutdownTimeoutSeconds);
    }

    /** Returns pingora's {@code graceful_shutdown_timeout_seconds} as a duration, 5 s if unset. */
    public Duration gracefulShutdownTimeout() {
        return gracefulShutdownTimeoutSeconds == null
                ? DEFAULT_GRACEFUL_SHUTDOWN_TIMEOUT : Duration.ofSeconds(gracefulShutdownTimeoutSeconds);
    }

    /** Returns pingora's {@code client_bind_to_ipv4}: IPv4 source addresses for upstreams. */
    public List<String> clientBindToIpv4() {
        return clientBindToIpv4;
    }

    /** Returns pingora's {@code client_bind_to_ipv6}: IPv6 source addresses for upstreams. */
    public List<String> clientBindToIpv6() {
        return clientBindToIpv6;
    }

    /** Returns pingora's {@code upstream_keepalive_pool_size}: idle upstream connections kept. */
    public int upstreamKeepalivePoolSize() {
        return upstreamKeepalivePoolSize;
    }

    /** Returns pingora's {@code upstream_connect_offload_threadpools}: connect pools. */
    public Optional<Integer> upstreamConnectOffloadThreadpools() {
        return Optional.ofNullable(upstreamConnectOffloadThreadpools);
    }

    /**
     * Returns pingora's {@code upstream_connect_offload_thread_per_pool}: threads per connect pool.
     */
    public Optional<Integer> upstreamConnectOffloadThreadPerPool() {
        return Optional.ofNullable(upstreamConnectOffloadThreadPerPool);
    }

    /** Returns pingora's {@code upstream_debug_ssl_keylog}: log TLS keys to {@code $SSLKEYLOGFILE}. */
    public boolean upstreamDebugSslKeylog() {
        return upstreamDebugSslKeylog;
    }

    /** Returns pingora's {@code max_retries}: the most retries of one proxied request. */
    public int maxRetries() {
        return maxRetries;
    }

    /** Returns pingora's {@code upgrade_sock_connect_accept_max_retries} (5 if unset). */
    public Optional<Integer> upgradeSockConnectAcceptMaxRetries() {
        return Optional.ofNullable(upgradeSockConnectAcceptMaxRetries);
    }

    /** Returns pingora's {@code max_blocking_threads}: the blocking-task pool's most threads. */
    public Optional<Integer> maxBlockingThreads() {
        return Optional.ofNullable(maxBlockingThreads);
    }

    /** Returns pingora's {@code blocking_threads_ttl_seconds}: idle blocking threads' lifetime. */
    public Optional<Long> blockingThreadsTtlSeconds() {
        return Optional.ofNullable(blockingThreadsTtlSeconds);
    }

    /** Returns pingora's {@code daemon_wait_for_ready}: the parent waits for the child's signal. */
    public boolean daemonWaitForReady() {
        return daemonWaitForReady;
    }

    /** Returns pingora's {@code daemon_ready_timeout_seconds}: the wait for that signal. */
    public Optional<Long> daemonReadyTimeoutSeconds() {
        return Optional.ofNullable(daemonReadyTimeoutSeconds);
    }

    /** Returns pingora's {@code daemon_ready_timeout_seconds} as a duration, 600 s if unset. */
    public Duration daemonReadyTimeout() {
        return daemonReadyTimeoutSeconds == null
                ? DEFAULT_DAEMON_READY_TIMEOUT : Duration.ofSeconds(daemonReadyTimeoutSeconds);
    }

    /** Returns pingora's {@code daemon_notify_timeout_seconds}: how long the child signals. */
    public Optional<Long> daemonNotifyTimeoutSeconds() {
        return Optional.ofNullable(daemonNotifyTimeoutSeconds);
    }

    /** Returns pingora's {@code daemon_notify_timeout_seconds} as a duration, 60 s if unset. */
    public Duration daemonNotifyTimeout() {
        return daemonNotifyTimeoutSeconds == null
                ? DEFAULT_DAEMON_NOTIFY_TIMEOUT : Duration.ofSeconds(daemonNotifyTimeoutSeconds);
    }

    /**
     * Returns the unknown keys the file held, in file order ({@code server.x} for one under
     * {@code server:}); empty for a configuration built in code. Mirrors the keys pingora's
     * {@code #[serde(default)]} silently skips. Not part of {@link #equals(Object)}.
     */
    public List<String> ignoredKeys() {
        return ignoredKeys;
    }

    /** Returns whether {@code o} is a ServerConf with the same values, ignored keys aside. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ServerConf other)) {
            return false;
        }
        for (ServerConfKey key : ServerConfKey.values()) {
            if (!Objects.equals(key.get(this), key.get(other))) {
                return false;
            }
        }
        return true;
    }

    /** Returns a hash of the values, ignored keys aside. */
    @Override
    public int hashCode() {
        return Arrays.hashCode(Arrays.stream(ServerConfKey.values()).map(k -> k.get(this)).toArray());
    }

    /** Returns every value by its Java name; unset optionals show as {@code null}. */
    @Override
    public String toString() {
        StringJoiner sj = new StringJoiner(", ", "ServerConf{", "}");
        for (ServerConfKey key : ServerConfKey.values()) {
            sj.add(key.javaName() + "=" + key.get(this));
        }
        return sj.toString();
    }
}
