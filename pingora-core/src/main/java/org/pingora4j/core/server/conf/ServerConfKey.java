package org.pingora4j.core.server.conf;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * The keys of a {@link ServerConf}, in pingora's declaration order: YAML name, Java name, value kind,
 * lower bound, and how to read and write the value. One table keeps the loader, the writer, the
 * builder's bounds and {@code equals} from drifting apart when a key is added.
 *
 * <p>Getters return the value "as stored": an unset optional is {@code null}, a path is a
 * {@link Path}. Setters take the same shape.
 */
enum ServerConfKey {
    VERSION(Kind.INT, 0, ServerConf::version, (b, v) -> b.version((Integer) v)),
    DAEMON(Kind.BOOL, 0, ServerConf::daemon, (b, v) -> b.daemon((Boolean) v)),
    ERROR_LOG(Kind.OPT_STRING, 0, c -> c.errorLog().orElse(null), (b, v) -> b.errorLog((String) v)),
    PID_FILE(Kind.STRING, 0, ServerConf::pidFile, (b, v) -> b.pidFile((String) v)),
    UPGRADE_SOCK(Kind.STRING, 0, ServerConf::upgradeSock, (b, v) -> b.upgradeSock((String) v)),
    USER(Kind.OPT_STRING, 0, c -> c.user().orElse(null), (b, v) -> b.user((String) v)),
    GROUP(Kind.OPT_STRING, 0, c -> c.group().orElse(null), (b, v) -> b.group((String) v)),
    WORKING_DIRECTORY(Kind.OPT_PATH, 0, c -> c.workingDirectory().orElse(null),
            (b, v) -> b.workingDirectory((Path) v)),
    THREADS(Kind.INT, 1, ServerConf::threads, (b, v) -> b.threads((Integer) v)),
    LISTENER_TASKS_PER_FD(Kind.INT, 1, ServerConf::listenerTasksPerFd,
            (b, v) -> b.listenerTasksPerFd((Integer) v)),
    WORK_STEALING(Kind.BOOL, 0, ServerConf::workStealing, (b, v) -> b.workStealing((Boolean) v)),
    CA_FILE(Kind.OPT_PATH, 0, c -> c.caFile().orElse(null), (b, v) -> b.caFile((Path) v)),
    GRACE_PERIOD_SECONDS(Kind.OPT_LONG, 0, c -> c.gracePeriodSeconds().orElse(null),
            (b, v) -> b.gracePeriodSeconds((Long) v)),
    GRACEFUL_SHUTDOWN_TIMEOUT_SECONDS(Kind.OPT_LONG, 0,
            c -> c.gracefulShutdownTimeoutSeconds().orElse(null),
            (b, v) -> b.gracefulShutdownTimeoutSeconds((Long) v)),
    CLIENT_BIND_TO_IPV4(Kind.IPV4_LIST, 0, ServerConf::clientBindToIpv4,
            (b, v) -> b.clientBindToIpv4(strings(v))),
    CLIENT_BIND_TO_IPV6(Kind.IPV6_LIST, 0, ServerConf::clientBindToIpv6,
            (b, v) -> b.clientBindToIpv6(strings(v))),
    UPSTREAM_KEEPALIVE_POOL_SIZE(Kind.INT, 0, ServerConf::upstreamKeepalivePoolSize,
            (b, v) -> b.upstreamKeepalivePoolSize((Integer) v)),
    UPSTREAM_CONNECT_OFFLOAD_THREADPOOLS(Kind.OPT_INT, 1,
            c -> c.upstreamConnectOffloadThreadpools().orElse(null),
            (b, v) -> b.upstreamConnectOffloadThreadpools((Integer) v)),
    UPSTREAM_CONNECT_OFFLOAD_THREAD_PER_POOL(Kind.OPT_INT, 1,
            c -> c.upstreamConnectOffloadThreadPerPool().orElse(null),
            (b, v) -> b.upstreamConnectOffloadThreadPerPool((Integer) v)),
    UPSTREAM_DEBUG_SSL_KEYLOG(Kind.BOOL, 0, ServerConf::upstreamDebugSslKeylog,
            (b, v) -> b.upstreamDebugSslKeylog((Boolean) v)),
    MAX_RETRIES(Kind.INT, 0, ServerConf::maxRetries, (b, v) -> b.maxRetries((Integer) v)),
    UPGRADE_SOCK_CONNECT_ACCEPT_MAX_RETRIES(Kind.OPT_INT, 0,
            c -> c.upgradeSockConnectAcceptMaxRetries().orElse(null),
            (b, v) -> b.upgradeSockConnectAcceptMaxRetries((Integer) v)),
    // Pingora's validate() rejects 0: a blocking pool without threads would hang every task.
    MAX_BLOCKING_THREADS(Kind.OPT_INT, 1, c -> c.maxBlockingThreads().orElse(null),
            (b, v) -> b.maxBlockingThreads((Integer) v)),
    BLOCKING_THREADS_TTL_SECONDS(Kind.OPT_LONG, 0, c -> c.blockingThreadsTtlSeconds().orElse(null),
            (b, v) -> b.blockingThreadsTtlSeconds((Long) v)),
    DAEMON_WAIT_FOR_READY(Kind.BOOL, 0, ServerConf::daemonWaitForReady,
            (b, v) -> b.daemonWaitForReady((Boolean) v)),
    // Pingora types these two as NonZeroU64.
    DAEMON_READY_TIMEOUT_SECONDS(Kind.OPT_LONG, 1, c -> c.daemonReadyTimeoutSeconds().orElse(null),
            (b, v) -> b.daemonReadyTimeoutSeconds((Long) v)),
    DAEMON_NOTIFY_TIMEOUT_SECONDS(Kind.OPT_LONG, 1, c -> c.daemonNotifyTimeoutSeconds().orElse(null),
            (b, v) -> b.daemonNotifyTimeoutSeconds((Long) v));

    /** The shape of a key's value. */
    enum Kind {
        INT, BOOL, STRING, OPT_INT, OPT_LONG, OPT_STRING, OPT_PATH, IPV4_LIST, IPV6_LIST;

        boolean optional() {
            return this == OPT_INT || this == OPT_LONG || this == OPT_STRING || this == OPT_PATH;
        }
    }

    private final Kind kind;
    private final long min;
    private final String yamlName;
    private final String javaName;
    private final Function<ServerConf, Object> getter;
    private final BiConsumer<ServerConfBuilder, Object> setter;

    ServerConfKey(Kind kind, long min, Function<ServerConf, Object> getter,
                  BiConsumer<ServerConfBuilder, Object> setter) {
        this.kind = kind;
        this.min = min;
        this.yamlName = name().toLowerCase(Locale.ROOT);
        this.javaName = camelCase(yamlName);
        this.getter = getter;
        this.setter = setter;
    }

    Kind kind() {
        return kind;
    }

    /** The smallest allowed value of a numeric key. */
    long min() {
        return min;
    }

    /** The snake_case name used in YAML files. */
    String yamlName() {
        return yamlName;
    }

    /** The camelCase name of the accessor and the builder setter. */
    String javaName() {
        return javaName;
    }

    Object get(ServerConf conf) {
        return getter.apply(conf);
    }

    void set(ServerConfBuilder builder, Object value) {
        setter.accept(builder, value);
    }

    /** Returns {@code value} if it is at least {@link #min()}, for the builder's setters. */
    int checkInt(int value) {
        checkLong(value);
        return value;
    }

    /** Returns {@code value} if it is at least {@link #min()}, for the builder's setters. */
    long checkLong(long value) {
        if (value < min) {
            throw new IllegalArgumentException(javaName + ": " + value + " (expected: >= " + min + ")");
        }
        return value;
    }

    /** Like {@link #checkInt(int)}, letting {@code null} (unset) through. */
    Integer checkOptInt(Integer value) {
        if (value != null) {
            checkInt(value);
        }
        return value;
    }

    /** Like {@link #checkLong(long)}, letting {@code null} (unset) through. */
    Long checkOptLong(Long value) {
        if (value != null) {
            checkLong(value);
        }
        return value;
    }

    /** Returns {@code value} if it is neither null nor empty. */
    String checkNonEmpty(String value) {
        if (value == null) {
            throw new NullPointerException(javaName);
        }
        if (value.isEmpty()) {
            throw new IllegalArgumentException(javaName + ": \"\" (expected: a non-empty string)");
        }
        return value;
    }

    /** Returns {@code value} if it is null (unset) or a non-empty path. */
    Path checkOptPath(Path value) {
        if (value != null && value.toString().isEmpty()) {
            throw new IllegalArgumentException(javaName + ": \"\" (expected: a non-empty path)");
        }
        return value;
    }

    /** Returns an unmodifiable copy of {@code values} if each is an IP literal of this key's family. */
    List<String> checkIpLiterals(List<String> values) {
        if (values == null) {
            throw new NullPointerException(javaName);
        }
        for (int i = 0; i < values.size(); i++) {
            String value = values.get(i);
            if (value == null) {
                throw new NullPointerException(javaName + "[" + i + "]");
            }
            if (!IpLiterals.matches(kind, value)) {
                throw new IllegalArgumentException(javaName + "[" + i + "]: \"" + value + "\" (expected: "
                        + IpLiterals.describe(kind) + ")");
            }
        }
        return List.copyOf(values);
    }

    static ServerConfKey ofYamlName(String yamlName) {
        for (ServerConfKey key : values()) {
            if (key.yamlName.equals(yamlName)) {
                return key;
            }
        }
        return null;
    }

    // The loader only ever passes the List<String> it built; the cast cannot fail.
    @SuppressWarnings("unchecked")
    private static List<String> strings(Object value) {
        return (List<String>) value;
    }

    private static String camelCase(String snake) {
        StringBuilder sb = new StringBuilder(snake.length());
        boolean upper = false;
        for (int i = 0; i < snake.length(); i++) {
            char c = snake.charAt(i);
            if (c == '_') {
                upper = true;
            } else {
                sb.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return sb.toString();
    }
}
