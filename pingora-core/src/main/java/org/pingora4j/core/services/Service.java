package org.pingora4j.core.services;

import java.util.concurrent.CompletionStage;

/**
 * Something a {@link org.pingora4j.core.server.Server} runs: a proxy listening on ports, a
 * background task. Mirrors pingora's {@code Service} trait ({@code pingora-core/src/services}).
 *
 * <p>The server calls {@link #start} once, then, on a graceful shutdown, {@link #stopAccepting},
 * waits up to the grace period for {@link #drained}, and finally calls {@link #shutdown}.
 */
public interface Service {

    /** Returns the service's name, for logs. */
    String name();

    /**
     * Starts the service; returns once it accepts work (its listeners are bound).
     *
     * @throws Exception if it cannot start; the server then stops
     */
    void start(ServiceContext context) throws Exception;

    /** Stops taking new work (closes listeners, ends keep-alive); work in flight continues. */
    CompletionStage<Void> stopAccepting();

    /** Returns a stage that completes when no work is in flight any more. */
    CompletionStage<Void> drained();

    /** Ends everything still open and frees resources; idempotent. */
    void shutdown();
}
