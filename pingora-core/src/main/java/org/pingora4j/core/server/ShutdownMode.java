package org.pingora4j.core.server;

/**
 * How {@link Server#shutdown(ShutdownMode)} ends the services. Mirrors pingora's
 * {@code ShutdownType} ({@code Graceful}, {@code Quick}) and the signals that choose it.
 */
public enum ShutdownMode {
    /**
     * Stops accepting, lets work in flight finish until every service is drained or the grace
     * period ({@code grace_period_seconds}) ends, then stops the services and gives the event loops
     * {@code graceful_shutdown_timeout_seconds} to exit. Pingora's {@code SIGTERM}.
     */
    GRACEFUL,
    /**
     * Closes everything at once, without a grace period or quiet period. Pingora's {@code SIGINT}.
     * Asked for during a graceful shutdown, it cuts the grace period short.
     */
    FAST
}
