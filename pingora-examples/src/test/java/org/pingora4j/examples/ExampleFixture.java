package org.pingora4j.examples;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.connectors.PeerResolver;
import org.pingora4j.core.connectors.http.HttpConnector;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.core.testing.ManualClock;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;

/**
 * Runs an example's proxy on 127.0.0.1 with the example host names resolved to loopback inside
 * the proxy only, and a connector on a hand-moved clock, so that idle timeouts are tested without
 * waiting.
 */
final class ExampleFixture implements AutoCloseable {

    static final Map<String, InetAddress> LOOPBACK_NAMES = loopbackNames();

    final ManualClock clock = new ManualClock();
    final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    final HttpConnector connector;
    final ProxyService<?> service;

    <C> ExampleFixture(ProxyHttp<C> proxy) throws Exception {
        this(proxy, b -> b);
    }

    /** As {@link #ExampleFixture(ProxyHttp)}, with more settings of the service. */
    <C> ExampleFixture(ProxyHttp<C> proxy, java.util.function.UnaryOperator<ProxyService.Builder<C>> more) throws Exception {
        connector = HttpConnector.builder(new ConnectorOptions(128))
                .resolver(PeerResolver.withOverrides(LOOPBACK_NAMES))
                .channelType(NioSocketChannel.class)
                .ticker(clock)
                .scheduler(clock)
                .build();
        service = more.apply(ProxyService.builder(ServerConf.defaults(), proxy).connector(connector)).build();
        service.addTcp("127.0.0.1:0");
        service.start(new ServiceContext(ServerConf.defaults(), loops, Transport.nio()));
    }

    private static Map<String, InetAddress> loopbackNames() {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        return Map.of("api.example.com", loopback, "static.example.com", loopback,
                "default.example.com", loopback, "example.com", loopback);
    }

    int port() {
        return service.boundAddresses().get(0).getPort();
    }

    /** Sends one request for {@code host} on a new connection and returns the whole response. */
    String get(String host, String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            in.transferTo(received);
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Override
    public void close() {
        service.stopAccepting();
        service.shutdown();
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
