package org.pingora4j.core.listeners;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Mapping;
import org.conscrypt.Conscrypt;

/**
 * The first handler of a TLS connection: reads the ClientHello, asks the {@link CertificateStore}
 * for the context of the server name it carries, and replaces itself with that context's
 * {@link SslHandler}. Netty's {@link SniHandler}, with the ALPN protocols set on each Conscrypt
 * engine and a bound on the wait for the ClientHello (a client that connects and sends nothing is
 * cut off, as the handshake timeout cuts off one that stalls later).
 */
public final class SniSelector extends SniHandler {

    /** How long a client has to send its ClientHello, as Netty's handshake timeout. */
    public static final long CLIENT_HELLO_TIMEOUT_MILLIS = 10_000;

    private final String[] alpn;

    /** Chooses from {@code store}. */
    public SniSelector(CertificateStore store) {
        super((Mapping<String, SslContext>) store::select, 0, CLIENT_HELLO_TIMEOUT_MILLIS);
        this.alpn = store.engineAlpn();
    }

    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
        SslHandler handler = super.newSslHandler(context, allocator);
        if (alpn.length > 0 && Conscrypt.isConscrypt(handler.engine())) {
            Conscrypt.setApplicationProtocols(handler.engine(), alpn);
        }
        return handler;
    }
}
