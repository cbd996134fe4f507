/**
 * HTTP/1.1 to the origin: pingora's {@code connectors/http/v1.rs} and the client half of
 * {@code protocols/http/v1} ({@code client.rs}).
 *
 * <p>{@link org.pingora4j.core.connectors.http.v1.Http1ClientSession} is API: it is what
 * {@code HttpConnector.getHttpSession} returns (pingora's {@code HttpSessionV1}). The rest is not:
 * {@code Http1Connector} (checkout, connect, release, the server's keep-alive budget) is public
 * only for {@code HttpConnector}, and {@code UpstreamConnection} (the pooled connection),
 * {@code ResponseDecoder}, {@code SessionBridge}, {@code IdleWatcher} (pingora's {@code idle_poll}),
 * {@code KeepAliveHeader}, {@code ReuseVeto} and {@code UpstreamReadErrors} are package-private.
 */
package org.pingora4j.core.connectors.http.v1;
