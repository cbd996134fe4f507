package org.pingora4j.proxy.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.pingora4j.core.testing.TestCerts;

/**
 * The test PKI's server certificate, its key and the CA as PEM files under a test directory, for
 * real servers (nginx, nghttpd) and clients (curl {@code --cacert}) that read files. The certificate
 * is valid for {@code localhost} and {@code 127.0.0.1} (see pingora-core's {@code certs/README.md}).
 */
record TlsFiles(Path cert, Path key, Path ca) {

    /** Copies {@code server.crt}, {@code server.key} and {@code ca.crt} into {@code dir/tls}. */
    static TlsFiles write(Path dir) throws IOException {
        Path tls = Files.createDirectories(dir.resolve("tls"));
        return new TlsFiles(copy("server.crt", tls), copy("server.key", tls), copy("ca.crt", tls));
    }

    private static Path copy(String name, Path dir) throws IOException {
        return Files.copy(TestCerts.file(name), dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
    }
}
