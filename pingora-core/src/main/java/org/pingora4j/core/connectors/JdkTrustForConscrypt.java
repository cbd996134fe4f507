package org.pingora4j.core.connectors;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The JDK's PKIX trust manager, adapted to Conscrypt. Under TLS 1.3 Conscrypt reports the key
 * exchange as authType {@code GENERIC}, which the JDK's end-entity checks reject ("Unknown authType");
 * the JDK itself says {@code UNKNOWN} for TLS 1.3, so that is what the delegate is given. The JDK
 * trust manager is kept (rather than Conscrypt's) because it reads the JDK trust store, honouring
 * {@code javax.net.ssl.trustStore}; Conscrypt's default store on OpenJDK is empty.
 */
final class JdkTrustForConscrypt extends X509ExtendedTrustManager {

    private final X509ExtendedTrustManager delegate;

    private JdkTrustForConscrypt(X509ExtendedTrustManager delegate) {
        this.delegate = delegate;
    }

    /** Trusts the JDK's default trust store. */
    static JdkTrustForConscrypt system() throws GeneralSecurityException {
        return from(null);
    }

    /** Trusts exactly {@code roots}. */
    static JdkTrustForConscrypt of(List<X509Certificate> roots) throws GeneralSecurityException {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException("cannot create an in-memory trust store", e);
        }
        for (int i = 0; i < roots.size(); i++) {
            store.setCertificateEntry("root-" + i, roots.get(i));
        }
        return from(store);
    }

    private static JdkTrustForConscrypt from(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager extended) {
                return new JdkTrustForConscrypt(extended);
            }
        }
        throw new GeneralSecurityException("the JDK offers no X509ExtendedTrustManager");
    }

    private static String jdkAuthType(String authType) {
        return "GENERIC".equals(authType) ? "UNKNOWN" : authType;
    }

    /**
     * Checks the chain without the engine: host names are verified by the connector after the
     * handshake, and the JDK's engine-aware check would turn the requested server names into
     * {@code SNIHostName}s, which rejects names real origins use (with an underscore).
     */
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkServerTrusted(chain, jdkAuthType(authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkServerTrusted(chain, jdkAuthType(authType), socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, jdkAuthType(authType));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        delegate.checkClientTrusted(chain, jdkAuthType(authType), engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        delegate.checkClientTrusted(chain, jdkAuthType(authType), socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkClientTrusted(chain, jdkAuthType(authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
