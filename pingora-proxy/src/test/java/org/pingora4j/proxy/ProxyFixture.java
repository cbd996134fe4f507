package org.pingora4j.proxy;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ServiceContext;

/** A proxy service on 127.0.0.1 with its own event loops, plus clients to talk to it. */
final class ProxyFixture implements AutoCloseable {

    final Transport transport;
    final EventLoopGroup loops;
    final ProxyService<?> service;
    final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    ProxyFixture(ProxyService<?> service) throws Exception {
        this(service, true);
    }

    /** Starts {@code service}, first adding a plain listener on 127.0.0.1 if {@code addTcp}. */
    ProxyFixture(ProxyService<?> service, boolean addTcp) throws Exception {
        this(service, addTcp, Transport.best());
    }

    /** As {@link #ProxyFixture(ProxyService, boolean)}, with event loops and sockets of {@code transport}. */
    ProxyFixture(ProxyService<?> service, boolean addTcp, Transport transport) throws Exception {
        this.transport = transport;
        this.loops = new MultiThreadIoEventLoopGroup(2, transport.ioHandlerFactory());
        this.service = service;
        if (addTcp) {
            service.addTcp("127.0.0.1:0");
        }
        service.start(new ServiceContext(ServerConf.defaults(), loops, transport));
    }

    static <C> ProxyFixture of(ProxyHttp<C> proxy) throws Exception {
        return new ProxyFixture(ProxyService.httpProxyService(ServerConf.defaults(), proxy));
    }

    int port() {
        return service.boundAddresses().get(0).getPort();
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return client.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Sends raw bytes on a new connection and returns everything the proxy sends until it closes. */
    String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            byte[] buffer = new byte[8192];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                received.write(buffer, 0, n);
            }
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Waits until every event loop ran what was handed to it before this call; fails if a loop did
     * not get to it within 10 s (a loop that is stuck, or gone, must not pass for a quiet one).
     */
    void awaitQuiet() {
        for (EventExecutor loop : loops) {
            Future<?> ran = loop.submit(() -> { });
            if (!ran.awaitUninterruptibly(10, TimeUnit.SECONDS)) {
                throw new AssertionError("event loop " + loop + " did not run a task within 10 s");
            }
            if (!ran.isSuccess()) {
                throw new AssertionError("event loop " + loop + " refused a task", ran.cause());
            }
        }
    }

    /**
     * Stops the service and shuts its loops down, checking that both happened: the listeners closed
     * and the loops terminated within 10 s each (a shutdown that hangs fails the test, rather than
     * holding the next one up or leaking its threads unnoticed).
     */
    @Override
    public void close() {
        CompletableFuture<Void> listenersClosed = service.stopAccepting().toCompletableFuture();
        service.shutdown();
        Future<?> terminated = loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        try {
            listenersClosed.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the proxy's listeners did not close within 10 s", e);
        }
        if (!terminated.awaitUninterruptibly(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the proxy's event loops did not terminate within 10 s");
        }
        if (!terminated.isSuccess()) {
            throw new AssertionError("the proxy's event loops failed to shut down", terminated.cause());
        }
    }
}
