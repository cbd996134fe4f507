/**
 * The server process: its command line, the event loops its services share, and its signal-driven
 * shutdown. Mirrors pingora's {@code pingora-core/src/server} module: {@link
 * org.pingora4j.core.server.Opt} is pingora's {@code Opt}, {@link org.pingora4j.core.server.Server}
 * its {@code Server} with {@code bootstrap}, {@code run_forever} and the SIGTERM (graceful), SIGINT
 * (fast) and SIGQUIT (upgrade) handling. Where pingora sleeps through the whole grace period, a
 * graceful shutdown here ends as soon as every service is drained; daemonizing and socket-passing
 * upgrades have no JVM equivalent and are refused with a message saying what to do instead.
 *
 * <p>Starting points:
 * <ul>
 *   <li>{@link org.pingora4j.core.server.Server}: {@code new Server(Opt.parse(args))},
 *       {@code bootstrap()}, {@code addService}, {@code runForever()};</li>
 *   <li>{@link org.pingora4j.core.server.Server#shutdown(ShutdownMode)} and
 *       {@link org.pingora4j.core.server.ShutdownMode}: the exact steps of a graceful and a fast
 *       shutdown;</li>
 *   <li>{@link org.pingora4j.core.services.Service} and
 *       {@link org.pingora4j.core.services.ListeningService}: what a server runs;</li>
 *   <li>{@link org.pingora4j.core.server.conf.ServerConf}: the configuration file, including
 *       {@code threads}, {@code grace_period_seconds} and
 *       {@code graceful_shutdown_timeout_seconds}.</li>
 * </ul>
 */
package org.pingora4j.core.server;
