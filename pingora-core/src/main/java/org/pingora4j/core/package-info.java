/**
 * pingora-core: peers, connectors (TCP, TLS through Conscrypt, the pooled HTTP/1.1 and multiplexed
 * HTTP/2 upstream sessions), server configuration and the server lifecycle, on Netty. Mirrors the
 * {@code pingora-core} crate. Its connectors keep idle upstream connections in a
 * {@link org.pingora4j.pool.ConnectionPool}.
 */
package org.pingora4j.core;
