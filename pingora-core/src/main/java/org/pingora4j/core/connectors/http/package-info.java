/**
 * The HTTP connector: upstream sessions over pooled HTTP/1.1 connections and multiplexed HTTP/2
 * connections. Mirrors pingora's {@code connectors/http/mod.rs}.
 *
 * <p>Read side by side, as pingora's {@code connectors/http/v1.rs} and {@code v2.rs}:
 * <ul>
 *   <li>Here, both protocols: {@link org.pingora4j.core.connectors.http.HttpConnector} (the one
 *       place that decides the protocol of a try, the one idle pool, the prefer-h1 memory), the
 *       stats and the meters. The session interface is
 *       {@link org.pingora4j.core.protocols.http.ClientSession}.</li>
 *   <li>{@code v1}: HTTP/1.1, one request per connection at a time.</li>
 *   <li>{@code v2}: HTTP/2, many streams per connection.</li>
 * </ul>
 * The halves never import each other or this package: they reach the connector through
 * {@link org.pingora4j.core.connectors.UpstreamHost}, and the pool holds both kinds as
 * {@link org.pingora4j.core.connectors.PooledUpstream}.
 */
package org.pingora4j.core.connectors.http;
