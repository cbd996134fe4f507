package org.pingora4j.core.protocols;

/**
 * What the TLS handshake settled. Mirrors pingora's {@code SslDigest}.
 *
 * @param protocol the TLS version, e.g. {@code TLSv1.3}
 * @param cipher the cipher suite
 * @param peerSubject the peer certificate's subject, or null if it sent none
 * @param serialNumber the peer certificate's serial number in hex, or null
 * @param applicationProtocol the ALPN protocol agreed, or null
 * @param provider the TLS implementation, e.g. {@code Conscrypt}
 */
public record SslDigest(String protocol, String cipher, String peerSubject, String serialNumber,
                        String applicationProtocol, String provider) {
}
