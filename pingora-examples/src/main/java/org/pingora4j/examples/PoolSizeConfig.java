package org.pingora4j.examples;

import java.nio.file.Path;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;

/**
 * The chapter's three ways to size the pool: in {@code pingora_conf.yaml}, with
 * {@link ConnectorOptions} in code, and with {@link ConnectorOptions#fromServerConf}. Each method
 * returns the proxy service it builds, so that a test can check the pool it got.
 */
public final class PoolSizeConfig {

    private PoolSizeConfig() {
    }

    /** The pool size from a configuration file such as the shipped {@code pingora_conf.yaml}. */
    public static <C> ProxyService<C> fromYaml(Path pingoraConfYaml, ProxyHttp<C> myProxyImpl) {
        // tag::yaml[]
        // pingora_conf.yaml:
        //   server:
        //     upstream_keepalive_pool_size: 256  # default 128
        ServerConf serverConf = ServerConf.load(pingoraConfYaml);
        ProxyService<C> proxyService = ProxyService.httpProxyService(serverConf, myProxyImpl);
        // end::yaml[]
        return proxyService;
    }

    /** The pool size from {@link ConnectorOptions} made in code. */
    public static <C> ProxyService<C> inCode(ProxyHttp<C> myProxyImpl) {
        // tag::code[]
        // Connector options: a pool of 256 idle connections
        ConnectorOptions options = new ConnectorOptions(256);

        // The server configuration
        ServerConf serverConf = ServerConf.defaults();

        // The proxy service, with those options
        ProxyService<C> proxyService = ProxyService.builder(serverConf, myProxyImpl)
                .connectorOptions(options)
                .build();
        // end::code[]
        return proxyService;
    }

    /** The pool size from the server configuration, through {@link ConnectorOptions#fromServerConf}. */
    public static <C> ProxyService<C> fromServerConf(ProxyHttp<C> myProxyImpl) {
        // tag::from-conf[]
        // Create and change the server configuration
        ServerConf serverConf = ServerConf.builder()
                .upstreamKeepalivePoolSize(256)
                .build();

        // Derive the connector options from it
        ConnectorOptions options = ConnectorOptions.fromServerConf(serverConf);

        // The proxy service applies the same derivation itself
        ProxyService<C> proxyService = ProxyService.httpProxyService(serverConf, myProxyImpl);
        // end::from-conf[]
        assert options.keepalivePoolSize() == serverConf.upstreamKeepalivePoolSize();
        return proxyService;
    }
}
