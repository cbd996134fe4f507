package org.pingora4j.proxy.faults;

import org.pingora4j.core.testing.Bounded;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;

/**
 * A proxy service on 127.0.0.1 with its own event loops, through the public API only (the
 * package-private ProxyFixture is not reachable from here), plus a raw-socket client.
 */
final class FaultFixture implements AutoCloseable {

    final Transport transport = Transport.best();
    final EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, transport.ioHandlerFactory());
    final ProxyService<?> service;

    FaultFixture(ProxyHttp<?> proxy) throws Exception {
        this(proxy, ConnectorOptions.fromServerConf(ServerConf.defaults()));
    }

    FaultFixture(ProxyHttp<?> proxy, ConnectorOptions connector) throws Exception {
        this.service = build(proxy, connector);
        service.addTcp("127.0.0.1:0");
        service.start(new ServiceContext(ServerConf.defaults(), loops, transport));
    }

    private static <C> ProxyService<C> build(ProxyHttp<C> proxy, ConnectorOptions connector) {
        return ProxyService.builder(ServerConf.defaults(), proxy).connectorOptions(connector).build();
    }

    int port() {
        return service.boundAddresses().get(0).getPort();
    }

    /** A new client connection to the proxy with a 10 s read timeout. */
    Socket connect() throws IOException {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port());
        socket.setSoTimeout(10_000);
        return socket;
    }

    /** Sends {@code request} on a new connection and reads one response (probing for a close). */
    RawResponse exchange(String request) throws IOException {
        try (Socket socket = connect()) {
            socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return RawResponse.read(socket.getInputStream(), RawResponse.Progress.NONE, false);
        }
    }

    /** A GET the healthy origin path answers; used to show the proxy keeps serving after a fault. */
    RawResponse probe(String path) throws IOException {
        return exchange("GET " + path + " HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n");
    }

    @Override
    public void close() {
        service.stopAccepting();
        service.shutdown();
        Bounded.await(loops.shutdownGracefully(0, 1, TimeUnit.SECONDS), "the fault fixture's event loops shutting down");
    }
}
