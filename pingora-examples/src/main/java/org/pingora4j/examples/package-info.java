/**
 * The connection-pool chapter's examples, one class per snippet, each runnable and tested.
 *
 * <p>Starting points:
 * <ul>
 *   <li>{@link org.pingora4j.examples.PooledProxy}: the complete example, with its {@code main};</li>
 *   <li>{@link org.pingora4j.examples.Demo}: the README's run command, the example end to end
 *       against a local origin;</li>
 *   <li>{@link org.pingora4j.examples.PerHostPolicyProxy}, {@link org.pingora4j.examples.IdleTimeoutProxy},
 *       {@link org.pingora4j.examples.PoolSizeConfig}, {@link org.pingora4j.examples.ReuseMonitoring},
 *       {@link org.pingora4j.examples.PoolWalkthrough}: the chapter's other snippets;</li>
 *   <li>{@link org.pingora4j.examples.Examples}: the executable jar's {@code main}, which runs an
 *       {@link org.pingora4j.examples.Example} by name;</li>
 *   <li>{@link org.pingora4j.examples.ExampleSettings}: the one command line (picocli, Pingora's
 *       flags included) that points an example elsewhere.</li>
 * </ul>
 */
package org.pingora4j.examples;
