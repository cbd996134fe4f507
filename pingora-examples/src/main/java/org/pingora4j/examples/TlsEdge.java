package org.pingora4j.examples;

import java.time.Duration;
import org.pingora4j.core.listeners.TlsSettings;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;

/**
 * A TLS listener as an edge proxy has it: two certificates chosen by SNI (the first is the default),
 * renewed files picked up within a minute, and optional client certificates verified against a CA,
 * whose identity the phases read from {@code Session.clientCertificate()}. See
 * {@code docs/user_guide/tls.md}.
 */
public final class TlsEdge {

    private TlsEdge() {
    }

    /** The proxy service {@code proxy} behind a TLS listener on {@code address}, with the certificates in {@code dir}. */
    public static <C> ProxyService<C> service(ServerConf conf, ProxyHttp<C> proxy, String address, String dir) {
        // tag::settings[]
        TlsSettings tls = TlsSettings.builder()
                .certificate(dir + "/example.com.pem", dir + "/example.com.key")        // the default
                .certificate(dir + "/static.example.com.pem", dir + "/static.example.com.key")
                .clientAuth(TlsSettings.ClientAuth.OPTIONAL, dir + "/clients-ca.pem")
                .reloadCheckInterval(Duration.ofSeconds(60))
                .build();
        ProxyService<C> service = ProxyService.builder(conf, proxy).build();
        service.addTls(address, tls);
        // end::settings[]
        return service;
    }
}
