package org.pingora4j.core.testing;

import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/** Paths of the test PKI in {@code src/test/resources/certs} (see the README there). */
public final class TestCerts {

    private TestCerts() {
    }

    /** Returns the path of {@code certs/<name>}. */
    public static Path file(String name) {
        URL url = TestCerts.class.getResource("/certs/" + name);
        if (url == null) {
            throw new IllegalArgumentException("no test certificate file " + name);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
