package org.pingora4j.core.server.conf;

import static org.pingora4j.core.server.conf.ServerConfKey.BLOCKING_THREADS_TTL_SECONDS;
import static org.pingora4j.core.server.conf.ServerConfKey.CA_FILE;
import static org.pingora4j.core.server.conf.ServerConfKey.CLIENT_BIND_TO_IPV4;
import static org.pingora4j.core.server.conf.ServerConfKey.CLIENT_BIND_TO_IPV6;
import static org.pingora4j.core.server.conf.ServerConfKey.DAEMON_NOTIFY_TIMEOUT_SECONDS;
import static org.pingora4j.core.server.conf.ServerConfKey.DAEMON_READY_TIMEOUT_SECONDS;
import static org.pingora4j.core.server.conf.ServerConfKey.GRACEFUL_SHUTDOWN_TIMEOUT_SECONDS;
import static org.pingora4j.core.server.conf.ServerConfKey.GRACE_PERIOD_SECONDS;
import static org.pingora4j.core.server.conf.ServerConfKey.LISTENER_TASKS_PER_FD;
import static org.pingora4j.core.server.conf.ServerConfKey.MAX_BLOCKING_THREADS;
import static org.pingora4j.core.server.conf.ServerConfKey.MAX_RETRIES;
import static org.pingora4j.core.server.conf.ServerConfKey.PID_FILE;
import static org.pingora4j.core.server.conf.ServerConfKey.THREADS;
import static org.pingora4j.core.server.conf.ServerConfKey.UPGRADE_SOCK;
import static org.pingora4j.core.server.conf.ServerConfKey.UPGRADE_SOCK_CONNECT_ACCEPT_MAX_RETRIES;
import static org.pingora4j.core.server.conf.ServerConfKey.UPSTREAM_CONNECT_OFFLOAD_THREADPOOLS;
import static org.pingora4j.core.server.conf.ServerConfKey.UPSTREAM_CONNECT_OFFLOAD_THREAD_PER_POOL;
import static org.pingora4j.core.server.conf.ServerConfKey.UPSTREAM_KEEPALIVE_POOL_SIZE;
import static org.pingora4j.core.server.conf.ServerConfKey.VERSION;
import static org.pingora4j.core.server.conf.ServerConfKey.WORKING_DIRECTORY;

import java.nio.file.Path;
import java.util.List;

/**
 * Builds a {@link ServerConf}. Mirrors filling in pingora's {@code ServerConf} struct by hand
 * ({@code ServerConf { threads: 4, ..Default::default() }}).
 *
 * <p>Starts from the defaults. Every setter validates its argument at once and throws
 * {@link IllegalArgumentException} naming the setter, the value and what is allowed, e.g.
 * {@code "threads: 0 (expected: >= 1)"}; {@code null} is rejected with a
 * {@link NullPointerException} except by the setters of optional keys, where it means "unset".
 */
public final class ServerConfBuilder {

    int version = ServerConf.DEFAULT_VERSION;
    boolean daemon;
    String errorLog;
    String pidFile = ServerConf.DEFAULT_PID_FILE;
    String upgradeSock = ServerConf.DEFAULT_UPGRADE_SOCK;
    String user;
    String group;
    Path workingDirectory;
    int threads = ServerConf.DEFAULT_THREADS;
    int listenerTasksPerFd = ServerConf.DEFAULT_LISTENER_TASKS_PER_FD;
    boolean workStealing = true;
    Path caFile;
    Long gracePeriodSeconds;
    Long gracefulShutdownTimeoutSeconds;
    List<String> clientBindToIpv4 = List.of();
    List<String> clientBindToIpv6 = List.of();
    int upstreamKeepalivePoolSize = ServerConf.DEFAULT_UPSTREAM_KEEPALIVE_POOL_SIZE;
    Integer upstreamConnectOffloadThreadpools;
    Integer upstreamConnectOffloadThreadPerPool;
    boolean upstreamDebugSslKeylog;
    int maxRetries = ServerConf.DEFAULT_MAX_RETRIES;
    Integer upgradeSockConnectAcceptMaxRetries;
    Integer maxBlockingThreads;
    Long blockingThreadsTtlSeconds;
    boolean daemonWaitForReady;
    Long daemonReadyTimeoutSeconds;
    Long daemonNotifyTimeoutSeconds;
    List<String> ignoredKeys = List.of();

    ServerConfBuilder() {
    }

    ServerConfBuilder(ServerConf conf) {
        for (ServerConfKey key : ServerConfKey.values()) {
            key.set(this, key.get(conf));
        }
        ignoredKeys = conf.ignoredKeys();
    }

    /** Sets the format version ({@code version}, &ge; 0). */
    public ServerConfBuilder version(int version) {
        this.version = VERSION.checkInt(version);
        return this;
    }

    /** Sets whether to run in the background ({@code daemon}). */
    public ServerConfBuilder daemon(boolean daemon) {
        this.daemon = daemon;
        return this;
    }

    /** Sets the error log file used when daemonized ({@code error_log}); null unsets it. */
    public ServerConfBuilder errorLog(String errorLog) {
        this.errorLog = errorLog;
        return this;
    }

    /** Sets the pid file ({@code pid_file}, non-empty). */
    public ServerConfBuilder pidFile(String pidFile) {
        this.pidFile = PID_FILE.checkNonEmpty(pidFile);
        return this;
    }

    /** Sets the upgrade socket path ({@code upgrade_sock}, non-empty). */
    public ServerConfBuilder upgradeSock(String upgradeSock) {
        this.upgradeSock = UPGRADE_SOCK.checkNonEmpty(upgradeSock);
        return this;
    }

    /** Sets the user to switch to after daemonizing ({@code user}); null unsets it. */
    public ServerConfBuilder user(String user) {
        this.user = user;
        return this;
    }

    /** Sets the group to switch to after daemonizing ({@code group}); null unsets it. */
    public ServerConfBuilder group(String group) {
        this.group = group;
        return this;
    }

    /** Sets the working directory after daemonizing ({@code working_directory}); null unsets it. */
    public ServerConfBuilder workingDirectory(Path workingDirectory) {
        this.workingDirectory = WORKING_DIRECTORY.checkOptPath(workingDirectory);
        return this;
    }

    /** Sets the threads of each service ({@code threads}, &ge; 1). */
    public ServerConfBuilder threads(int threads) {
        this.threads = THREADS.checkInt(threads);
        return this;
    }

    /** Sets the accept tasks per listening socket ({@code listener_tasks_per_fd}, &ge; 1). */
    public ServerConfBuilder listenerTasksPerFd(int listenerTasksPerFd) {
        this.listenerTasksPerFd = LISTENER_TASKS_PER_FD.checkInt(listenerTasksPerFd);
        return this;
    }

    /** Sets whether a service's threads steal work from each other ({@code work_stealing}). */
    public ServerConfBuilder workStealing(boolean workStealing) {
        this.workStealing = workStealing;
        return this;
    }

    /** Sets the CA file for upstream certificates ({@code ca_file}); null unsets it. */
    public ServerConfBuilder caFile(Path caFile) {
        this.caFile = CA_FILE.checkOptPath(caFile);
        return this;
    }

    /** Sets the shutdown grace period ({@code grace_period_seconds}, &ge; 0); null unsets it. */
    public ServerConfBuilder gracePeriodSeconds(Long seconds) {
        this.gracePeriodSeconds = GRACE_PERIOD_SECONDS.checkOptLong(seconds);
        return this;
    }

    /**
     * Sets the final shutdown step's timeout ({@code graceful_shutdown_timeout_seconds}, &ge; 0);
     * null unsets it.
     */
    public ServerConfBuilder gracefulShutdownTimeoutSeconds(Long seconds) {
        this.gracefulShutdownTimeoutSeconds = GRACEFUL_SHUTDOWN_TIMEOUT_SECONDS.checkOptLong(seconds);
        return this;
    }

    /** Sets the IPv4 literals to bind upstream connections to ({@code client_bind_to_ipv4}). */
    public ServerConfBuilder clientBindToIpv4(List<String> addresses) {
        this.clientBindToIpv4 = CLIENT_BIND_TO_IPV4.checkIpLiterals(addresses);
        return this;
    }

    /** Sets the IPv6 literals to bind upstream connections to ({@code client_bind_to_ipv6}). */
    public ServerConfBuilder clientBindToIpv6(List<String> addresses) {
        this.clientBindToIpv6 = CLIENT_BIND_TO_IPV6.checkIpLiterals(addresses);
        return this;
    }

    /** Sets how many idle upstream connections are kept ({@code upstream_keepalive_pool_size}, &ge; 0). */
    public ServerConfBuilder upstreamKeepalivePoolSize(int size) {
        this.upstreamKeepalivePoolSize = UPSTREAM_KEEPALIVE_POOL_SIZE.checkInt(size);
        return this;
    }

    /**
     * Sets the connect offload pools ({@code upstream_connect_offload_threadpools}, &ge; 1); null
     * unsets it.
     */
    public ServerConfBuilder upstreamConnectOffloadThreadpools(Integer pools) {
        this.upstreamConnectOffloadThreadpools = UPSTREAM_CONNECT_OFFLOAD_THREADPOOLS.checkOptInt(pools);
        return this;
    }

    /**
     * Sets the threads per offload pool ({@code upstream_connect_offload_thread_per_pool}, &ge; 1);
     * null unsets it.
     */
    public ServerConfBuilder upstreamConnectOffloadThreadPerPool(Integer threads) {
        this.upstreamConnectOffloadThreadPerPool =
                UPSTREAM_CONNECT_OFFLOAD_THREAD_PER_POOL.checkOptInt(threads);
        return this;
    }

    /** Sets whether upstream TLS keys are logged ({@code upstream_debug_ssl_keylog}). */
    public ServerConfBuilder upstreamDebugSslKeylog(boolean enabled) {
        this.upstreamDebugSslKeylog = enabled;
        return this;
    }

    /** Sets the most retries of a retryable request ({@code max_retries}, &ge; 0). */
    public ServerConfBuilder maxRetries(int maxRetries) {
        this.maxRetries = MAX_RETRIES.checkInt(maxRetries);
        return this;
    }

    /**
     * Sets the upgrade socket retries ({@code upgrade_sock_connect_accept_max_retries}, &ge; 0); null
     * unsets it.
     */
    public ServerConfBuilder upgradeSockConnectAcceptMaxRetries(Integer retries) {
        this.upgradeSockConnectAcceptMaxRetries =
                UPGRADE_SOCK_CONNECT_ACCEPT_MAX_RETRIES.checkOptInt(retries);
        return this;
    }

    /** Sets the blocking pool's most threads ({@code max_blocking_threads}, &ge; 1); null unsets it. */
    public ServerConfBuilder maxBlockingThreads(Integer threads) {
        this.maxBlockingThreads = MAX_BLOCKING_THREADS.checkOptInt(threads);
        return this;
    }

    /**
     * Sets the idle blocking threads' lifetime ({@code blocking_threads_ttl_seconds}, &ge; 0); null
     * unsets it.
     */
    public ServerConfBuilder blockingThreadsTtlSeconds(Long seconds) {
        this.blockingThreadsTtlSeconds = BLOCKING_THREADS_TTL_SECONDS.checkOptLong(seconds);
        return this;
    }

    /** Sets whether the daemonizing parent waits for readiness ({@code daemon_wait_for_ready}). */
    public ServerConfBuilder daemonWaitForReady(boolean wait) {
        this.daemonWaitForReady = wait;
        return this;
    }

    /**
     * Sets the wait for the daemon's readiness ({@code daemon_ready_timeout_seconds}, &ge; 1); null
     * unsets it.
     */
    public ServerConfBuilder daemonReadyTimeoutSeconds(Long seconds) {
        this.daemonReadyTimeoutSeconds = DAEMON_READY_TIMEOUT_SECONDS.checkOptLong(seconds);
        return this;
    }

    /**
     * Sets how long the readiness signal is retried ({@code daemon_notify_timeout_seconds}, &ge; 1);
     * null unsets it.
     */
    public ServerConfBuilder daemonNotifyTimeoutSeconds(Long seconds) {
        this.daemonNotifyTimeoutSeconds = DAEMON_NOTIFY_TIMEOUT_SECONDS.checkOptLong(seconds);
        return this;
    }

    /** Records the unknown keys of the file this builder was loaded from. */
    ServerConfBuilder ignoredKeys(List<String> keys) {
        this.ignoredKeys = List.copyOf(keys);
        return this;
    }

    /**
     * Builds the configuration. Mirrors pingora's {@code ServerConf::validate}, whose one check
     * ({@code max_blocking_threads > 0}) the setters already make; keys are independent, so there is
     * no cross-key conflict to report.
     */
    public ServerConf build() {
        return new ServerConf(this);
    }
}
