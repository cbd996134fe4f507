package org.pingora4j.core.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** Paths of the test PKI in {@code src/test/resources/certs} (see the README there). */
public final class TestCerts {

    private TestCerts() {
    }

    private static final Map<String, Path> EXTRACTED = new ConcurrentHashMap<>();

    /**
     * Returns the path of {@code certs/<name>}. From another module the files are inside this
     * module's test-jar, where they have no path: they are then copied once to a temporary file.
     */
    public static Path file(String name) {
        URL url = TestCerts.class.getResource("/certs/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no test certificate file " + name);
        }
        if (!"jar".equals(url.getProtocol())) {
            try {
                return Path.of(url.toURI());
            } catch (URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        }
        return EXTRACTED.computeIfAbsent(name, n -> {
            try (InputStream in = url.openStream()) {
                Path copy = Files.createTempFile("pingora4j-test-", "-" + n);
                copy.toFile().deleteOnExit();
                Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
                return copy;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot extract test certificate " + n, e);
            }
        });
    }

    /** Returns a JDK TLS client context that trusts the test CA ({@code ca.crt}) only. */
    public static SSLContext clientContext() throws GeneralSecurityException, IOException {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(file("ca.crt"))) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trustManagers.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trustManagers.getTrustManagers(), null);
        return context;
    }
}
