/**
 * What is known about a connection: {@link org.pingora4j.core.protocols.Digest} and its parts.
 * Mirrors pingora's {@code protocols::digest}.
 */
package org.pingora4j.core.protocols;
