/**
 * Connectors: how pingora4j opens, secures and reuses connections to upstreams. Mirrors pingora's
 * {@code pingora-core/src/connectors} module. For now it holds the options every connector is built
 * from, {@link org.pingora4j.core.connectors.ConnectorOptions}, including the size and overshoot of
 * the idle connection pool ({@link org.pingora4j.pool.ConnectionPool}) they keep.
 *
 * <p>Starting points:
 * <ul>
 *   <li>{@link org.pingora4j.core.connectors.ConnectorOptions#fromServerConf}: the options a
 *       configuration file implies;</li>
 *   <li>{@link org.pingora4j.core.connectors.ConnectorOptions.Builder}: every option and its
 *       bounds;</li>
 *   <li>{@link org.pingora4j.core.connectors.OffloadThreadpool} and
 *       {@link org.pingora4j.core.connectors.CertKeyFiles}: the two compound options.</li>
 * </ul>
 */
package org.pingora4j.core.connectors;
