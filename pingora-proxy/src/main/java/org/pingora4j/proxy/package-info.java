/**
 * pingora-proxy: the programmable HTTP proxy. Users implement {@code ProxyHttp} and get a proxy
 * service whose upstream connections are pooled by pingora-core. Mirrors the {@code pingora-proxy}
 * crate.
 */
package org.pingora4j.proxy;
