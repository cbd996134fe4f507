package org.pingora4j.core.connectors;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import io.netty.util.NetUtil;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.conscrypt.Conscrypt;
import org.conscrypt.OkHostnameVerifier;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.CertKey;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.PeerOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client TLS contexts of one connector, one per distinct (verify, trust roots, client
 * certificate) combination, built once and cached: building one parses key material and costs
 * milliseconds, far too much per connection, and reads the trust store, which must not happen on
 * an event loop: a context is built on a blocking pool and the connect continues once it is ready
 * (at once when cached). Mirrors the context pingora's TLS connector builds
 * ({@code connectors/tls}).
 *
 * <p>Trust: the peer's {@link PeerOptions#ca()} if set, else the connector's {@code ca_file} if set,
 * else the JDK's default trust store (which honours {@code javax.net.ssl.trustStore}); each replaces,
 * not extends, the next, as in pingora. The chain is verified during the handshake. The host name is
 * verified right after it, before any byte is sent, against the SNI (or, with an empty SNI, the
 * peer's host) and the alternative CN, with Conscrypt's RFC 6125 matcher; pingora instead disables
 * all verification when the SNI is empty.
 *
 * <p>Conscrypt (BoringSSL) is the TLS engine when its native library loads, the JDK's otherwise.
 */
final class TlsContexts {

    private static final Logger logger = LoggerFactory.getLogger(TlsContexts.class);
    private static final int MAX_CONTEXTS = 256;

    private record Key(boolean verifyCert, CaCertificates ca, CertKey clientCert) {
    }

    /** Shared by all connectors: builds are rare (one per distinct key) and short. */
    private static final Executor BUILDS = BlockingPools.create("pingora-tls-context", 2, 1024);

    private final AsyncCache<Key, SslContext> contexts;
    private final Executor builds;
    private final CaCertificates connectorCa;
    private final CertKey connectorCertKey;
    private final Provider provider;

    TlsContexts(CaCertificates connectorCa, CertKey connectorCertKey) {
        this(connectorCa, connectorCertKey, BUILDS);
    }

    /** With {@code builds} running the context builds: tests pass one they run by hand. */
    TlsContexts(CaCertificates connectorCa, CertKey connectorCertKey, Executor builds) {
        this.connectorCa = connectorCa;
        this.connectorCertKey = connectorCertKey;
        this.provider = conscryptOrNull();
        this.builds = builds;
        // The cache's own upkeep is cheap and runs inline; only builds go to the blocking pool.
        this.contexts = Caffeine.newBuilder().maximumSize(MAX_CONTEXTS).executor(Runnable::run).buildAsync();
    }

    /** Returns the name of the TLS engine in use. */
    String providerName() {
        return provider == null ? "JDK" : provider.getName();
    }

    /**
     * Returns the context for {@code options}: a completed future when cached, else one completed
     * by a blocking-pool thread once built. A failed build is not cached (the next call retries).
     *
     * @return a future failed with a {@link PingoraException} (CONFIG_ERROR) if the trust roots or
     *     client key cannot be used, or INTERNAL_ERROR if the build could not be scheduled
     */
    CompletableFuture<SslContext> get(PeerOptions options) {
        Key key = new Key(options.verifyCert(),
                options.ca() != null ? options.ca() : connectorCa,
                options.clientCertKey() != null ? options.clientCertKey() : connectorCertKey);
        try {
            return contexts.get(key, (k, executor) -> CompletableFuture.supplyAsync(() -> build(k), builds));
        } catch (RejectedExecutionException e) {
            return CompletableFuture.failedFuture(PingoraException.internal(ErrorType.INTERNAL_ERROR,
                    "too many TLS contexts being built at once", e));
        }
    }

    private SslContext build(Key key) {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient()
                    .sslProvider(SslProvider.JDK)
                    // Host names are checked after the handshake, against the SNI and the alternative CN.
                    .endpointIdentificationAlgorithm(null);
            if (provider != null) {
                builder.sslContextProvider(provider);
            }
            if (!key.verifyCert()) {
                builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            } else if (key.ca() != null) {
                builder.trustManager(JdkTrustForConscrypt.of(key.ca().certificates()));
            } else {
                builder.trustManager(JdkTrustForConscrypt.system());
            }
            if (key.clientCert() != null) {
                builder.keyManager(new ByteArrayInputStream(key.clientCert().certChainPemBytes()),
                        new ByteArrayInputStream(key.clientCert().privateKeyPemBytes()));
            }
            return builder.build();
        } catch (SSLException | GeneralSecurityException | IllegalArgumentException e) {
            throw PingoraException.internal(ErrorType.CONFIG_ERROR, "cannot build a TLS context for " + key, e);
        }
    }

    /**
     * Sends {@code sni} as the TLS server name, or none if it is empty or an IP literal (RFC 6066
     * allows only host names). Through Conscrypt's own API when possible: the JDK's
     * {@code SNIHostName} rejects names with an underscore, which real origins use
     * ({@code origin_1.example.com}) and which pingora works around for OpenSSL.
     */
    static void setSni(SSLEngine engine, String sni) {
        if (sni.isEmpty() || NetUtil.isValidIpV4Address(sni) || NetUtil.isValidIpV6Address(sni)) {
            return;
        }
        if (Conscrypt.isConscrypt(engine)) {
            Conscrypt.setHostname(engine, sni);
            return;
        }
        SSLParameters parameters = engine.getSSLParameters();
        try {
            parameters.setServerNames(List.of(new SNIHostName(sni)));
        } catch (IllegalArgumentException e) {
            throw PingoraException.internal(ErrorType.CONFIG_ERROR,
                    "the JDK TLS engine cannot send SNI \"" + sni + "\"", e);
        }
        engine.setSSLParameters(parameters);
    }

    /**
     * Offers the protocols of {@code alpn} through ALPN on {@code engine}, before its handshake
     * ({@code h2} first where HTTP/2 is wanted). Set on the engine rather than through Netty's ALPN
     * configuration: on Java 15+ Netty wraps every engine in its JDK ALPN adapter, which asserts on
     * Conscrypt's answer when the server selects no protocol.
     */
    static void offerAlpn(SSLEngine engine, Alpn alpn) {
        String[] protocols = switch (alpn) {
            case H1 -> new String[] {ApplicationProtocolNames.HTTP_1_1};
            case H2 -> new String[] {ApplicationProtocolNames.HTTP_2};
            case H2H1 -> new String[] {ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1};
        };
        if (Conscrypt.isConscrypt(engine)) {
            Conscrypt.setApplicationProtocols(engine, protocols);
        } else {
            SSLParameters parameters = engine.getSSLParameters();
            parameters.setApplicationProtocols(protocols);
            engine.setSSLParameters(parameters);
        }
    }

    /**
     * Checks the peer certificate of {@code session} against the names {@code peer} accepts.
     *
     * @return null if it matches (or hostname verification is off), otherwise the error to fail with
     */
    static PingoraException verifyHostname(SSLSession session, HttpPeer peer) {
        PeerOptions options = peer.options();
        if (!options.verifyCert() || !options.verifyHostname()) {
            return null;
        }
        List<String> names = new ArrayList<>(2);
        names.add(peer.sni().isEmpty() ? peer.host() : peer.sni());
        if (options.alternativeCn() != null) {
            names.add(options.alternativeCn());
        }
        X509Certificate leaf;
        try {
            Certificate[] chain = session.getPeerCertificates();
            leaf = (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException | ClassCastException | ArrayIndexOutOfBoundsException e) {
            return PingoraException.upstream(ErrorType.INVALID_CERT, "no peer certificate (" + peer + ")", e);
        }
        for (String name : names) {
            if (OkHostnameVerifier.INSTANCE.verify(name, leaf)) {
                return null;
            }
        }
        return PingoraException.upstream(ErrorType.INVALID_CERT, "certificate for "
                + OkHostnameVerifier.allSubjectAltNames(leaf) + " does not match " + names + " (" + peer + ")", null);
    }

    private static Provider conscryptOrNull() {
        try {
            if (Conscrypt.isAvailable()) {
                return Conscrypt.newProvider();
            }
            logger.warn("Conscrypt is not available on this platform; upstream TLS uses the JDK's engine");
        } catch (LinkageError e) {
            logger.warn("Conscrypt failed to load; upstream TLS uses the JDK's engine", e);
        }
        return null;
    }
}
