package org.pingora4j.examples;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The examples the jar runs, by the name given as its first argument. */
public enum Example {
    /** {@link PooledProxy}, the default. */
    POOLED_PROXY("pooled-proxy", "the chapter's complete proxy (the default): --upstream over TLS,"
            + " a pool of 256, reuse logged per request"),
    /** {@link IdleTimeoutProxy}. */
    IDLE_TIMEOUT("idle-timeout", "a proxy to --upstream (default example.com:443; TLS, SNI example.com)"
            + " whose pooled connections close after 30 s idle"),
    /** {@link PerHostPolicyProxy}. */
    PER_HOST_POLICY("per-host-policy", "routes by Host to api., static. or default.example.com on --upstream's"
            + " port, each with its idle timeout (point the names with --resolve)"),
    /** {@link MyFirstProxy}. */
    MY_FIRST_PROXY("my-first-proxy", "Pingora's quick start: every request to --upstream (plain HTTP with"
            + " --no-tls)"),
    /** {@link LoadBalancer}. */
    LOAD_BALANCER("load-balancer", "round robin over --upstream=HOST:PORT,HOST:PORT,..., failing over to the"
            + " next on a failed connect"),
    /** {@link AccessLogProxy}. */
    ACCESS_LOG("access-log", "my-first-proxy with the built-in access log on standard output (JSON lines;"
            + " --access-log=combined for nginx's format)"),
    /** {@link PoolSizeConfig}. */
    POOL_SIZE_CONFIG("pool-size-config", "prints the pool size each of the chapter's three ways gives"
            + " (the file's too, with -c)"),
    /** {@link PoolWalkthrough}. */
    WALKTHROUGH("walkthrough", "takes a connection to --upstream from the pool, sends GET /, gives it back;"
            + " twice, printing whether it was reused"),
    /** {@link Demo}. */
    DEMO("demo", "the README's demo: pooled-proxy end to end against a local HTTPS origin, no flags needed");

    private final String cliName;
    private final String summary;

    Example(String cliName, String summary) {
        this.cliName = cliName;
        this.summary = summary;
    }

    /** Returns the name that selects it on the command line. */
    public String cliName() {
        return cliName;
    }

    /** Returns the one line the help shows for it. */
    public String summary() {
        return summary;
    }

    /**
     * Returns the example called {@code name}.
     *
     * @throws IllegalArgumentException naming the unknown example and listing the known ones
     */
    public static Example named(String name) {
        String wanted = name.toLowerCase(Locale.ROOT);
        for (Example e : values()) {
            if (e.cliName.equals(wanted)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown example '" + name + "' (expected one of: "
                + Arrays.stream(values()).map(Example::cliName).collect(Collectors.joining(", ")) + ")");
    }
}
