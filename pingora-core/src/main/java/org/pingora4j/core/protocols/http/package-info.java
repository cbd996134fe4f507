/**
 * HTTP message heads as pingora's {@code pingora-http} crate offers them:
 * {@link org.pingora4j.core.protocols.http.RequestHeader} and
 * {@link org.pingora4j.core.protocols.http.ResponseHeader}.
 */
package org.pingora4j.core.protocols.http;
