package org.pingora4j.proxy.grpc;

import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.testing.TestCerts;

/**
 * A real grpc-java server (grpc-netty-shaded) serving {@link GrpcTestService} on a loopback port:
 * plaintext HTTP/2 (h2c with prior knowledge, as gRPC does) or TLS with the test PKI's
 * {@code server.crt} (valid for {@code localhost} and {@code 127.0.0.1}, signed by {@code ca.crt}).
 */
public final class GrpcOrigin implements AutoCloseable {

    private final Server server;
    private final GrpcTestService service;
    private final boolean tls;
    private final int port;

    private GrpcOrigin(Server server, GrpcTestService service, boolean tls) {
        this.server = server;
        this.port = server.getPort();
        this.service = service;
        this.tls = tls;
    }

    /** Starts a plaintext (h2c prior knowledge) origin on a free loopback port. */
    public static GrpcOrigin plaintext() throws IOException {
        return start(false);
    }

    /** Starts a TLS origin (ALPN h2, the test PKI's server certificate) on a free loopback port. */
    public static GrpcOrigin tls() throws IOException {
        return start(true);
    }

    /** Starts an origin, TLS or plaintext, on a free loopback port. */
    public static GrpcOrigin start(boolean tls) throws IOException {
        ServerCredentials credentials = tls
                ? TlsServerCredentials.create(TestCerts.file("server.crt").toFile(), TestCerts.file("server.key").toFile())
                : InsecureServerCredentials.create();
        GrpcTestService service = new GrpcTestService();
        Server server = NettyServerBuilder
                .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), credentials)
                .addService(service.definition())
                .build()
                .start();
        return new GrpcOrigin(server, service, tls);
    }

    /** Returns the loopback port the server listens on. */
    public int port() {
        return port;
    }

    /** Returns whether the origin speaks TLS. */
    public boolean isTls() {
        return tls;
    }

    /** Returns the service, for what the server observed ({@link GrpcTestService#cancelled()}, {@link GrpcTestService#lastCall()}). */
    public GrpcTestService service() {
        return service;
    }

    /** Stops the server at once (open calls are cancelled) and waits until it terminated. */
    @Override
    public void close() {
        server.shutdownNow();
        try {
            if (!server.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new AssertionError("gRPC origin on port " + port() + " did not terminate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            service.close();
        }
    }
}
