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
 *
 * <p>Inside, a request's path is one protocol-independent engine between two protocol seams:
 * {@code ProxyRequest} (phases, retries), {@code UpstreamTry}, {@code ClientBody},
 * {@code DownstreamResponse}, talking to the client through {@code Downstream} and to the origin
 * through {@code UpstreamExchange} ({@code SessionExchange} over a core {@code ClientSession}).
 * The client side per protocol: HTTP/1.1 is {@code DownstreamConnection} with {@code RequestDecoder},
 * {@code ResponseEncoder}, {@code RequestHeadRules}, {@code ClientInbound}, {@code DecodeTurns};
 * HTTP/2 is {@code Http2ServerPipeline}, {@code Http2ServerConnection}, {@code Http2StreamDownstream}
 * and {@code HeadCoalescer}; {@code ProtocolSwitch} (ALPN, or the h2c preface) picks one for each
 * new connection, as pingora's {@code apps/http_app.rs} does.
 */
package org.pingora4j.proxy;
