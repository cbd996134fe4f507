package org.pingora4j.core.listeners;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The TLS settings of a listener: pingora's {@code TlsSettings}. Certificates from PEM files, each
 * served for the DNS names it carries (exact, or a {@code *.} wildcard for one label), the first
 * also for every other name and for clients that send no SNI; optionally a
 * {@link CertificateCallback} asked first; client certificates (mTLS), optional or required,
 * verified against a CA bundle; the protocol versions; and how often the files are checked for a
 * renewal. Immutable; see {@link #builder()}.
 *
 * <pre>{@code
 * TlsSettings tls = TlsSettings.builder()
 *         .certificate("/etc/pingora/example.com.pem", "/etc/pingora/example.com.key")
 *         .certificate("/etc/pingora/static.pem", "/etc/pingora/static.key")
 *         .build();
 * proxyService.addTls("0.0.0.0:443", tls);
 * }</pre>
 */
public final class TlsSettings {

    /** Whether the listener asks clients for a certificate. */
    public enum ClientAuth {
        /** No client certificate is asked for (the default). */
        NONE,
        /** One is asked for; a client without one is served, one with an unverifiable one is refused. */
        OPTIONAL,
        /** One is required and verified; a client without one cannot complete the handshake. */
        REQUIRE
    }

    /**
     * A certificate chain file and its key file, both PEM.
     *
     * @param certificate the chain, leaf first
     * @param key the leaf's unencrypted PKCS#8 key
     */
    public record CertificateFiles(Path certificate, Path key) {
        /** Checks both are given. */
        public CertificateFiles {
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(key, "key");
        }
    }

    /** The protocol versions offered by default: TLS 1.3 and 1.2 (Mozilla's "intermediate" profile). */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** How often certificate files are checked for a change by default. */
    public static final Duration DEFAULT_RELOAD_CHECK = Duration.ofSeconds(60);

    private final List<CertificateFiles> certificates;
    private final CertificateCallback callback;
    private final ClientAuth clientAuth;
    private final Path clientCa;
    private final List<String> protocols;
    private final Duration reloadCheckInterval;

    private TlsSettings(Builder b) {
        this.certificates = List.copyOf(b.certificates);
        this.callback = b.callback;
        this.clientAuth = b.clientAuth;
        this.clientCa = b.clientCa;
        this.protocols = List.copyOf(b.protocols);
        this.reloadCheckInterval = b.reloadCheckInterval;
    }

    /** A builder; at least one certificate is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** The certificate files, the default first. */
    public List<CertificateFiles> certificates() {
        return certificates;
    }

    /** The certificate callback, or null. */
    public CertificateCallback certificateCallback() {
        return callback;
    }

    /** Whether client certificates are asked for. */
    public ClientAuth clientAuth() {
        return clientAuth;
    }

    /** The CA bundle client certificates are verified against, or null with {@link ClientAuth#NONE}. */
    public Path clientCa() {
        return clientCa;
    }

    /** The protocol versions offered, from {@code TLSv1.2} and {@code TLSv1.3}. */
    public List<String> protocols() {
        return protocols;
    }

    /** How often the files are checked for a change (zero: only on request, as on SIGHUP). */
    public Duration reloadCheckInterval() {
        return reloadCheckInterval;
    }

    /** Builds {@link TlsSettings}. */
    public static final class Builder {
        private final List<CertificateFiles> certificates = new ArrayList<>();
        private CertificateCallback callback;
        private ClientAuth clientAuth = ClientAuth.NONE;
        private Path clientCa;
        private List<String> protocols = DEFAULT_PROTOCOLS;
        private Duration reloadCheckInterval = DEFAULT_RELOAD_CHECK;

        private Builder() {
        }

        /** Adds a certificate chain and key (PEM files); the first one added is the default. */
        public Builder certificate(String certificatePath, String keyPath) {
            certificates.add(new CertificateFiles(Path.of(Objects.requireNonNull(certificatePath, "certificatePath")),
                    Path.of(Objects.requireNonNull(keyPath, "keyPath"))));
            return this;
        }

        /** Sets the callback asked first for each handshake's certificate; null for none. */
        public Builder certificateCallback(CertificateCallback certificateCallback) {
            callback = certificateCallback;
            return this;
        }

        /** Asks clients for certificates ({@code mode} not NONE), verified against the PEM CA bundle at {@code caPath}. */
        public Builder clientAuth(ClientAuth mode, String caPath) {
            Objects.requireNonNull(mode, "mode");
            if (mode != ClientAuth.NONE && caPath == null) {
                throw new IllegalArgumentException("clientAuth " + mode + " needs the CA bundle to verify client certificates");
            }
            clientAuth = mode;
            clientCa = mode == ClientAuth.NONE ? null : Path.of(caPath);
            return this;
        }

        /** Sets the protocol versions offered, from {@code TLSv1.2} and {@code TLSv1.3}. */
        public Builder protocols(String... versions) {
            if (versions.length == 0) {
                throw new IllegalArgumentException("protocols: at least one of TLSv1.2, TLSv1.3");
            }
            for (String v : versions) {
                if (!DEFAULT_PROTOCOLS.contains(v)) {
                    throw new IllegalArgumentException("protocols: " + v + " (expected: TLSv1.2 or TLSv1.3; older"
                            + " versions are broken and not offered)");
                }
            }
            protocols = List.of(versions);
            return this;
        }

        /** Sets how often the files are checked for a change; zero checks only when asked (SIGHUP). */
        public Builder reloadCheckInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("reloadCheckInterval: " + interval + " (expected: >= 0)");
            }
            reloadCheckInterval = interval;
            return this;
        }

        /**
         * Builds the settings; the files are read when a listener is added.
         *
         * @throws IllegalStateException without a certificate
         */
        public TlsSettings build() {
            if (certificates.isEmpty()) {
                throw new IllegalStateException("a TLS listener needs at least one certificate (its default)");
            }
            return new TlsSettings(this);
        }
    }
}
