package org.pingora4j.core.upstreams;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.List;

/**
 * A client certificate chain and its private key, presented to upstreams that ask for one (mTLS).
 * Mirrors pingora's {@code CertKey}. Kept as PEM (the key as PKCS#8) so that Netty parses it;
 * compared by the certificate chain's fingerprint, which is part of the reuse hash.
 */
public final class CertKey {

    private final byte[] certChainPem;
    private final byte[] privateKeyPem;
    private final List<X509Certificate> chain;
    private final String fingerprint;

    private CertKey(byte[] certChainPem, byte[] privateKeyPem, String source) {
        this.certChainPem = certChainPem.clone();
        this.privateKeyPem = privateKeyPem.clone();
        this.chain = Pem.certificates(certChainPem, source);
        this.fingerprint = Pem.fingerprint(chain);
        String key = new String(privateKeyPem, StandardCharsets.US_ASCII);
        if (!key.contains("PRIVATE KEY-----")) {
            throw new IllegalArgumentException("privateKeyPem: " + source + " (expected: a PEM private key)");
        }
    }

    /**
     * Reads a PEM certificate chain and a PEM (PKCS#8) private key.
     *
     * @throws org.pingora4j.core.error.PingoraException if a file cannot be read or holds no certificate
     */
    public static CertKey fromPemFiles(Path certChainFile, Path privateKeyFile) {
        return new CertKey(Pem.read(certChainFile), Pem.read(privateKeyFile), certChainFile.toString());
    }

    /** Uses a PEM certificate chain and a PEM (PKCS#8) private key given as bytes. */
    public static CertKey fromPem(byte[] certChainPem, byte[] privateKeyPem) {
        return new CertKey(certChainPem, privateKeyPem, "<pem>");
    }

    /** Returns the certificate chain, leaf first. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** Returns the SHA-256 fingerprint of the chain, hex. */
    public String fingerprint() {
        return fingerprint;
    }

    /** Returns the PEM bytes of the chain, for building a TLS context. */
    public byte[] certChainPemBytes() {
        return certChainPem.clone();
    }

    /** Returns the PEM bytes of the private key, for building a TLS context. */
    public byte[] privateKeyPemBytes() {
        return privateKeyPem.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof CertKey other && fingerprint.equals(other.fingerprint)
                && Arrays.equals(privateKeyPem, other.privateKeyPem);
    }

    @Override
    public int hashCode() {
        return fingerprint.hashCode();
    }

    @Override
    public String toString() {
        return "CertKey(" + chain.get(0).getSubjectX500Principal().getName() + ", sha256="
                + fingerprint.substring(0, 16) + "…)";
    }
}
