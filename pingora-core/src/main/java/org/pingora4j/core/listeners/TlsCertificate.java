package org.pingora4j.core.listeners;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * A certificate chain and its private key, as a TLS listener serves them: the leaf first. Read from
 * PEM files ({@link #fromPemFiles}: the chain, and an unencrypted PKCS#8 key) or built by a
 * {@link CertificateCallback}. What pingora's {@code TlsSettings::intermediate(cert, key)} loads.
 *
 * @param chain the leaf certificate, then its intermediates
 * @param key the leaf's private key
 */
public record TlsCertificate(List<X509Certificate> chain, PrivateKey key) {

    /** Checks that there is a leaf and a key; the list is copied. */
    public TlsCertificate {
        chain = List.copyOf(chain);
        Objects.requireNonNull(key, "key");
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a certificate chain needs at least its leaf");
        }
    }

    /** The leaf certificate. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    /**
     * Reads a PEM certificate chain and a PEM PKCS#8 private key, and checks that they can be
     * served: the key is the leaf's (a signature made with it verifies with the leaf's public key),
     * and the leaf is valid now.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static TlsCertificate fromPemFiles(Path certificate, Path key) {
        List<X509Certificate> chain = readChain(certificate);
        PrivateKey privateKey = readKey(key);
        TlsCertificate read = new TlsCertificate(chain, privateKey);
        read.check(certificate + " and " + key);
        return read;
    }

    /** Checks that the key matches the leaf and the leaf is valid now; {@code what} names them in the message. */
    void check(String what) {
        try {
            leaf().checkValidity();
        } catch (CertificateException e) {
            throw new IllegalArgumentException(what + ": the certificate is not valid now (" + e.getMessage() + "; valid "
                    + leaf().getNotBefore().toInstant() + " to " + leaf().getNotAfter().toInstant() + ")", e);
        }
        try {
            String algorithm = signatureAlgorithm(key);
            byte[] probe = "pingora4j key check".getBytes(StandardCharsets.US_ASCII);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(leaf().getPublicKey());
            verifier.update(probe);
            if (!verifier.verify(signature)) {
                throw new IllegalArgumentException(what + ": the private key is not the certificate's");
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(what + ": the private key is not the certificate's (" + e.getMessage() + ")", e);
        }
    }

    /** The DNS names the leaf is for: its subjectAltName DNS entries, else its subject's CN; lower case. */
    public List<String> dnsNames() {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = leaf().getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    if (Integer.valueOf(2).equals(entry.get(0))) {
                        names.add(String.valueOf(entry.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
        } catch (CertificateException e) {
            // an unparsable extension names nothing
        }
        if (names.isEmpty()) {
            for (String part : leaf().getSubjectX500Principal().getName().split(",")) {
                if (part.trim().regionMatches(true, 0, "CN=", 0, 3)) {
                    names.add(part.trim().substring(3).toLowerCase(Locale.ROOT));
                }
            }
        }
        return names;
    }

    private static String signatureAlgorithm(PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            case "Ed448" -> "Ed448";
            default -> throw new IllegalArgumentException("unsupported key type " + key.getAlgorithm());
        };
    }

    private static List<X509Certificate> readChain(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            List<X509Certificate> chain = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                chain.add((X509Certificate) c);
            }
            if (chain.isEmpty()) {
                throw new IllegalArgumentException(file + ": no PEM certificate in it");
            }
            return chain;
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read it (" + e + ")", e);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(file + ": not a PEM certificate chain (" + e.getMessage() + ")", e);
        }
    }

    private static PrivateKey readKey(Path file) {
        String pem;
        try {
            pem = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read it (" + e + ")", e);
        }
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException(file + ": no unencrypted PKCS#8 key (-----BEGIN PRIVATE KEY-----) in it;"
                    + " convert one with: openssl pkcs8 -topk8 -nocrypt -in old.key -out new.key");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": the key's base64 is damaged", e);
        }
        for (String type : new String[] {"RSA", "EC", "Ed25519", "Ed448"}) {
            try {
                return KeyFactory.getInstance(type).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // try the next key type
            }
        }
        throw new IllegalArgumentException(file + ": not an RSA, EC or EdDSA PKCS#8 private key");
    }
}
