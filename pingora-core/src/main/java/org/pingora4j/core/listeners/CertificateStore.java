package org.pingora4j.core.listeners;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.conscrypt.Conscrypt;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. The certificates in use are one immutable Snapshot (the TLS context of each
 * certificate, by exact name and by wildcard parent, the default, and the files' stamps) behind a
 * volatile field: a handshake reads it once, lock-free, on its event loop; a reload builds a whole
 * new Snapshot off to the side and swaps it in, so a handshake sees the old set or the new one,
 * never a mix, and connections already established keep the context they started with. Reloads are
 * serialised by a lock (`this`), since a SIGHUP and the periodic check may race. The callback's
 * certificates are cached by identity in a concurrent map.
 */

/**
 * The certificates of one TLS listener, chosen per handshake by the server name the client sent
 * (SNI), and reloaded from their files without a restart. Pingora's {@code TlsSettings} with its
 * {@code certificate_callback}, plus what nginx and HAProxy do on a reload: a renewed file is
 * picked up, established connections are untouched, and a bad new file is refused with a log line
 * while the old certificate keeps serving.
 */
public final class CertificateStore {

    private static final Logger logger = LoggerFactory.getLogger(CertificateStore.class);

    private record Stamp(FileTime modified, long size) {
    }

    private record Snapshot(Map<String, SslContext> exact, Map<String, SslContext> wildcard, SslContext fallback,
                            Map<Path, Stamp> stamps, int certificates) {
    }

    private final TlsSettings settings;
    private final List<String> alpn;
    private final Provider conscrypt;
    private final Map<TlsCertificate, SslContext> fromCallback = new ConcurrentHashMap<>();
    private volatile Snapshot current;

    private CertificateStore(TlsSettings settings, List<String> alpn, Provider conscrypt) {
        this.settings = settings;
        this.alpn = List.copyOf(alpn);
        this.conscrypt = conscrypt;
    }

    /**
     * Reads the certificates of {@code settings}, offering {@code alpn} (most preferred first; empty
     * for no ALPN).
     *
     * @throws PingoraException CONFIG_ERROR naming the file and what is wrong with it
     */
    public static CertificateStore load(TlsSettings settings, List<String> alpn) {
        CertificateStore store = new CertificateStore(Objects.requireNonNull(settings, "settings"), alpn, conscryptOrNull());
        try {
            store.current = store.read();
        } catch (IllegalArgumentException | SSLException e) {
            throw PingoraException.internal(ErrorType.CONFIG_ERROR, "cannot use the TLS certificates: " + e.getMessage(), e);
        }
        return store;
    }

    /** The settings this store was loaded from. */
    public TlsSettings settings() {
        return settings;
    }

    /**
     * Returns the protocols to set on each engine for ALPN when the engine is Conscrypt's, whose
     * ALPN Netty's configuration cannot drive (see {@code ListeningService}); empty otherwise.
     */
    public String[] engineAlpn() {
        return conscrypt == null ? new String[0] : alpn.toArray(new String[0]);
    }

    /**
     * The TLS context for a handshake that asked for {@code serverName}: the callback's choice if it
     * makes one, else the certificate for that exact name, else one whose wildcard covers it (one
     * label: {@code *.example.com} covers {@code a.example.com}, not {@code a.b.example.com}), else
     * the default. On the handshake's event loop.
     *
     * @param serverName the SNI name, or null when the client sent none
     */
    public SslContext select(String serverName) {
        String name = serverName == null ? null : serverName.toLowerCase(Locale.ROOT);
        CertificateCallback callback = settings.certificateCallback();
        if (callback != null) {
            TlsCertificate chosen = callback.select(name);
            if (chosen != null) {
                return fromCallback.computeIfAbsent(chosen, this::contextOrThrow);
            }
        }
        Snapshot snapshot = current;
        if (name == null) {
            return snapshot.fallback();
        }
        SslContext exact = snapshot.exact().get(name);
        if (exact != null) {
            return exact;
        }
        int dot = name.indexOf('.');
        SslContext wildcard = dot > 0 ? snapshot.wildcard().get(name.substring(dot + 1)) : null;
        return wildcard != null ? wildcard : snapshot.fallback();
    }

    /**
     * The first handler of a new connection: with one certificate and no callback there is nothing
     * to choose, and the connection gets that certificate's {@link SslHandler} at once (as
     * {@code addTls(address, cert, key)} always did); otherwise a {@link SniSelector} that reads the
     * ClientHello first. Either way the certificate is the one in use now, reloads included.
     */
    public ChannelHandler newHandler(ByteBufAllocator allocator) {
        if (settings.certificates().size() > 1 || settings.certificateCallback() != null) {
            return new SniSelector(this);
        }
        SslHandler handler = current.fallback().newHandler(allocator);
        String[] protocols = engineAlpn();
        if (protocols.length > 0 && Conscrypt.isConscrypt(handler.engine())) {
            Conscrypt.setApplicationProtocols(handler.engine(), protocols);
        }
        return handler;
    }

    /** Whether a certificate or key file changed (time or size) since it was last read. */
    public boolean filesChanged() {
        for (Map.Entry<Path, Stamp> file : current.stamps().entrySet()) {
            if (!file.getValue().equals(stamp(file.getKey()))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Reads the files again and, if every one is good, serves them from the next handshake on;
     * established connections keep theirs. A file that cannot be used (unreadable, not PEM, a key
     * that is not the certificate's, a certificate not valid now) is refused: the old certificates
     * keep serving and the returned line says why. Any thread.
     *
     * @return one line saying what was done, for the log
     */
    public synchronized String reload() {
        try {
            Snapshot next = read();
            current = next;
            return "reloaded " + next.certificates() + " certificate(s): " + names(next);
        } catch (IllegalArgumentException | SSLException e) {
            // Stamp what was read, so that the periodic check does not retry the same bad file every time.
            current = new Snapshot(current.exact(), current.wildcard(), current.fallback(), stamps(), current.certificates());
            return "kept the certificates in use; the new files were refused: " + e.getMessage();
        }
    }

    /** Reloads if a file changed ({@link #filesChanged()}); returns the line of what was done, or null. */
    public synchronized String reloadIfChanged() {
        return filesChanged() ? reload() : null;
    }

    private Snapshot read() throws SSLException {
        Map<String, SslContext> exact = new HashMap<>();
        Map<String, SslContext> wildcard = new HashMap<>();
        SslContext fallback = null;
        for (TlsSettings.CertificateFiles files : settings.certificates()) {
            TlsCertificate certificate = TlsCertificate.fromPemFiles(files.certificate(), files.key());
            SslContext context = context(certificate);
            if (fallback == null) {
                fallback = context;
            }
            for (String name : certificate.dnsNames()) {
                if (name.startsWith("*.")) {
                    wildcard.putIfAbsent(name.substring(2), context);
                } else {
                    exact.putIfAbsent(name, context);
                }
            }
        }
        return new Snapshot(Map.copyOf(exact), Map.copyOf(wildcard), fallback, stamps(), settings.certificates().size());
    }

    private Map<Path, Stamp> stamps() {
        Map<Path, Stamp> stamps = new HashMap<>();
        for (TlsSettings.CertificateFiles files : settings.certificates()) {
            stamps.put(files.certificate(), stamp(files.certificate()));
            stamps.put(files.key(), stamp(files.key()));
        }
        return stamps;
    }

    private static Stamp stamp(Path file) {
        try {
            return new Stamp(Files.getLastModifiedTime(file), Files.size(file));
        } catch (IOException e) {
            return new Stamp(FileTime.fromMillis(0), -1);
        }
    }

    private static String names(Snapshot snapshot) {
        List<String> names = new ArrayList<>(snapshot.exact().keySet());
        snapshot.wildcard().keySet().forEach(parent -> names.add("*." + parent));
        names.sort(null);
        return String.join(", ", names);
    }

    private SslContext contextOrThrow(TlsCertificate certificate) {
        try {
            return context(certificate);
        } catch (SSLException e) {
            throw new IllegalArgumentException("the callback's certificate cannot be used: " + e.getMessage(), e);
        }
    }

    private SslContext context(TlsCertificate certificate) throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forServer(certificate.key(),
                certificate.chain().toArray(new X509Certificate[0]));
        if (conscrypt != null) {
            // BoringSSL, as upstream: the JDK's engine costs several times the CPU per handshake
            // and per record, which decides the throughput of a TLS listener.
            builder.sslContextProvider(conscrypt);
        } else if (!alpn.isEmpty()) {
            builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
        }
        builder.protocols(settings.protocols());
        if (settings.clientAuth() != TlsSettings.ClientAuth.NONE) {
            builder.clientAuth(settings.clientAuth() == TlsSettings.ClientAuth.REQUIRE
                    ? io.netty.handler.ssl.ClientAuth.REQUIRE : io.netty.handler.ssl.ClientAuth.OPTIONAL);
            builder.trustManager(settings.clientCa().toFile());
        }
        return builder.build();
    }

    private static Provider conscryptOrNull() {
        try {
            return Conscrypt.isAvailable() ? Conscrypt.newProvider() : null;
        } catch (LinkageError e) {
            return null; // no native library for this platform: the JDK's engine
        }
    }

    /** Logs {@code line} (a reload's outcome) at the level its outcome deserves. */
    public static void log(String listener, String line) {
        if (line.startsWith("kept")) {
            logger.warn("TLS listener {}: {}", listener, line);
        } else {
            logger.info("TLS listener {}: {}", listener, line);
        }
    }
}
