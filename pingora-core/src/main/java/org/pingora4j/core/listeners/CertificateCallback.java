package org.pingora4j.core.listeners;

/**
 * Chooses the certificate of a TLS connection from the server name the client asked for (SNI),
 * for certificates kept outside files: pingora's {@code TlsAccept::certificate_callback}. Called on
 * the connection's event loop during the handshake, so it must not block: look the certificate up
 * in memory, and load it elsewhere. The listener keeps one TLS context per returned instance, so
 * return the same {@link TlsCertificate} object for the same certificate.
 */
@FunctionalInterface
public interface CertificateCallback {

    /**
     * Returns the certificate for {@code serverName} (lower case), or null to choose among the
     * listener's own certificates as usual (by name, then the default).
     *
     * @param serverName the SNI name, or null when the client sent none
     */
    TlsCertificate select(String serverName);
}
