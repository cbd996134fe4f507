package org.pingora4j.core.connectors;

import java.nio.file.Path;

/**
 * A client certificate and its private key, in PEM files, presented to upstreams that ask for one
 * (mTLS). Mirrors the {@code (cert, key)} pair of pingora's {@code ConnectorOptions::cert_key_file}.
 *
 * @param certFile the certificate (chain) file
 * @param keyFile the private key file
 */
public record CertKeyFiles(Path certFile, Path keyFile) {

    /**
     * Checks that both files are given. Mirrors pingora's pair, whose members cannot be absent.
     *
     * @throws NullPointerException if either is null
     */
    public CertKeyFiles {
        if (certFile == null) {
            throw new NullPointerException("certFile");
        }
        if (keyFile == null) {
            throw new NullPointerException("keyFile");
        }
    }
}
