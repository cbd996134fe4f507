/**
 * pingora-proxy: write one class, a {@link org.pingora4j.proxy.ProxyHttp}, and get a production HTTP
 * proxy whose upstream connections are pooled. Mirrors the {@code pingora-proxy} crate.
 *
 * <p>Starting points:
 * <ul>
 *   <li>{@link org.pingora4j.proxy.ProxyHttp}: the phases of a request, and the async model;</li>
 *   <li>{@link org.pingora4j.proxy.Session}: the request as the phases see it;</li>
 *   <li>{@link org.pingora4j.proxy.ProxyService#httpProxyService}: the service to add to a
 *       {@link org.pingora4j.core.server.Server};</li>
 *   <li>{@link org.pingora4j.proxy.ErrorStatus}: which status answers which failure.</li>
 * </ul>
 */
package org.pingora4j.proxy;
