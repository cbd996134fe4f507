package org.pingora4j.examples;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ServiceContext;
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

    /**
     * Prints the pool each way gives the proxy's connector, and {@code yaml}'s (if not null): what
     * {@code java -jar pingora4j-examples.jar pool-size-config} runs.
     */
    public static void report(PrintStream out, Path yaml) {
        out.println("pool size in code (ConnectorOptions):           " + capacity(inCode(new PooledProxy())));
        out.println("pool size from ServerConf (fromServerConf):     " + capacity(fromServerConf(new PooledProxy())));
        out.println("pool size by default (ServerConf.defaults()):   "
                + capacity(ProxyService.httpProxyService(ServerConf.defaults(), new PooledProxy())));
        if (yaml != null) {
            out.println("pool size from " + yaml + ": " + capacity(fromYaml(yaml, new PooledProxy())));
        }
    }

    /** Starts {@code service} on a loopback port, for its connector to exist, and stops it. */
    private static int capacity(ProxyService<?> service) {
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            service.addTcp("127.0.0.1:0");
            service.start(new ServiceContext(ServerConf.defaults(), loops, Transport.nio()));
            return service.connector().stats().pool().capacity();
        } catch (Exception e) {
            throw new IllegalStateException("could not start the proxy service on 127.0.0.1", e);
        } finally {
            service.stopAccepting();
            service.shutdown();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
