/**
 * Upstream peers: where and how to connect. Mirrors pingora's {@code upstreams} module.
 *
 * <p>Starting points: {@link org.pingora4j.core.upstreams.HttpPeer} (address, TLS, SNI and the
 * reuse key that groups pooled connections) and {@link org.pingora4j.core.upstreams.PeerOptions}
 * (timeouts, verification, client certificate, socket options).
 */
package org.pingora4j.core.upstreams;
