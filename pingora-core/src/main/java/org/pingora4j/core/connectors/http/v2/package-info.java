/**
 * HTTP/2 to the origin: pingora's {@code connectors/http/v2.rs} and the client half of
 * {@code protocols/http/v2} ({@code client.rs}), on Netty's {@code netty-codec-http2}.
 *
 * <p>Not API, except {@link org.pingora4j.core.connectors.http.v2.H2Headers} (the header rules the
 * proxy's HTTP/2 edge shares): {@code Http2Pool} (shared, idle and waiting; pingora's
 * {@code InUsePool}) is public only for {@code HttpConnector}; {@code Http2Connection} (one shared
 * connection: SETTINGS, GOAWAY, PING; pingora's {@code ConnectionRef}), {@code Http2ClientSession}
 * (one stream) and {@code Http2Pipeline} are package-private. Sessions reach users as
 * {@link org.pingora4j.core.protocols.http.ClientSession}.
 */
package org.pingora4j.core.connectors.http.v2;
