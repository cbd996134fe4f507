/**
 * What a listener needs beyond a socket: the TLS settings of a TLS endpoint (certificates chosen by
 * SNI, a certificate callback, client certificates, protocol versions) and the store that loads,
 * chooses and reloads them. Mirrors pingora's {@code listeners} module ({@code listeners/tls}).
 */
package org.pingora4j.core.listeners;
