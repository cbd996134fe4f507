/**
 * The HTTP connector: upstream sessions over pooled HTTP/1.1 connections and multiplexed HTTP/2
 * connections. Mirrors pingora's {@code connectors/http} ({@code mod.rs}, {@code v1.rs},
 * {@code v2.rs}) and the client halves of {@code protocols/http/v1} and {@code v2}.
 *
 * <p>Read side by side:
 * <ul>
 *   <li>Both protocols: {@link org.pingora4j.core.connectors.http.HttpConnector} (the one place
 *       that decides the protocol of a try, and the one idle pool), the session interface
 *       {@link org.pingora4j.core.protocols.http.ClientSession}, {@code PooledUpstream}, the
 *       stats and meters.</li>
 *   <li>HTTP/1.1 ({@code Http1*}, pingora's {@code v1}): {@code Http1ClientSession} over an
 *       {@code UpstreamConnection} with its {@code ResponseDecoder}, {@code SessionBridge},
 *       {@code IdleWatcher}, {@code KeepAliveHeader}, {@code ReuseVeto},
 *       {@code UpstreamReadErrors}.</li>
 *   <li>HTTP/2 ({@code Http2*}, pingora's {@code v2}): {@code Http2Pool} (shared, idle and
 *       waiting), {@code Http2Connection} (one shared connection: SETTINGS, GOAWAY, PING),
 *       {@code Http2ClientSession} (one stream), {@code Http2Pipeline}, {@code H2Headers}.</li>
 * </ul>
 * The two protocols share one package rather than a {@code v1}/{@code v2} pair of packages: their
 * classes are package-private collaborators of the connector (and its single pool), and splitting
 * them would make them public API without JPMS to hide it. The class-name prefixes carry the split.
 */
package org.pingora4j.core.connectors.http;
