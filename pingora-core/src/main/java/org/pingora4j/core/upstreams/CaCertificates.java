package org.pingora4j.core.upstreams;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A set of trusted root certificates for verifying an upstream: pingora's {@code CaType}, per peer
 * ({@link PeerOptions#ca()}) or per connector ({@code ca_file}). Compared by the SHA-256 fingerprint
 * of its certificates, which is part of the reuse hash: a connection verified against one trust root
 * never serves a peer that trusts another (pingora leaves the CA out of its hash).
 *
 * @param certificates the trusted certificates, at least one
 * @param fingerprint SHA-256 of the certificates' DER encodings, hex
 */
public record CaCertificates(List<X509Certificate> certificates, String fingerprint) {

    /** Validates and copies the components. */
    public CaCertificates {
        certificates = List.copyOf(certificates);
        if (certificates.isEmpty()) {
            throw new IllegalArgumentException("certificates: [] (expected: at least one)");
        }
        if (!fingerprint.equals(Pem.fingerprint(certificates))) {
            throw new IllegalArgumentException("fingerprint: does not match the certificates");
        }
    }

    /** Returns the trust roots in {@code certificates}. */
    public static CaCertificates of(List<X509Certificate> certificates) {
        return new CaCertificates(certificates, Pem.fingerprint(certificates));
    }

    /**
     * Reads the PEM certificates of {@code pemFile}.
     *
     * @throws org.pingora4j.core.error.PingoraException FILE_READ_ERROR if the file cannot be read,
     *     CONFIG_ERROR if it holds no certificate
     */
    public static CaCertificates fromPemFile(Path pemFile) {
        return of(Pem.certificates(Pem.read(pemFile), pemFile.toString()));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CaCertificates other && fingerprint.equals(other.fingerprint);
    }

    @Override
    public int hashCode() {
        return fingerprint.hashCode();
    }

    @Override
    public String toString() {
        return "CaCertificates(" + certificates.size() + " certs, sha256=" + fingerprint.substring(0, 16) + "…)";
    }
}
