package org.pingora4j.core.upstreams;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;

/** Reading PEM certificates (through the JDK's {@link CertificateFactory}) and fingerprinting them. */
final class Pem {

    private Pem() {
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw PingoraException.internal(ErrorType.FILE_READ_ERROR, "cannot read " + file, e);
        }
    }

    static List<X509Certificate> certificates(byte[] pem, String source) {
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            List<X509Certificate> certs = new ArrayList<>();
            for (var cert : factory.generateCertificates(new ByteArrayInputStream(pem))) {
                certs.add((X509Certificate) cert);
            }
            if (certs.isEmpty()) {
                throw PingoraException.internal(ErrorType.CONFIG_ERROR, source + ": no certificate found", null);
            }
            return List.copyOf(certs);
        } catch (CertificateException e) {
            throw PingoraException.internal(ErrorType.CONFIG_ERROR, source + ": not a PEM certificate", e);
        }
    }

    /** SHA-256 over the DER encodings, in order: equal certificate lists have equal fingerprints. */
    static String fingerprint(List<X509Certificate> certs) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (X509Certificate cert : certs) {
                sha256.update(cert.getEncoded());
            }
            return HexFormat.of().formatHex(sha256.digest());
        } catch (NoSuchAlgorithmException | CertificateException e) {
            throw new IllegalStateException("cannot fingerprint certificates", e);
        }
    }
}
