package com.example.consumer;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.server.ShutdownMode;
import org.pingora4j.proxy.ProxyService;

/**
 * Starts a tiny origin, {@link HelloProxy} in front of it on a free loopback port, sends one
 * request through, prints what came back and stops: a proxy's whole life in one run, so that a
 * build can check it. A proxy that serves until SIGTERM ends its {@code main} with
 * {@code server.runForever()} instead of the request and the shutdown.
 */
public final class Main {

    static final String BODY = "hello from the origin";

    private Main() {
    }

    public static void main(String[] args) throws Exception {
        HttpServer origin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        origin.createContext("/", exchange -> {
            byte[] body = BODY.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        origin.start();
        try {
            System.out.println(proxyOneRequest("127.0.0.1:" + origin.getAddress().getPort()));
        } finally {
            origin.stop(0);
        }
    }

    /** Runs the proxy, sends GET /hello through it, and describes the answer; throws if it is wrong. */
    static String proxyOneRequest(String originAddress) throws Exception {
        Server server = new Server();
        server.bootstrap();
        ProxyService<Void> proxy = ProxyService.httpProxyService(server.conf(), new HelloProxy(originAddress));
        proxy.addTcp("127.0.0.1:0");
        server.addService(proxy);
        server.start();
        try {
            int port = proxy.boundAddresses().get(0).getPort();
            HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> response = client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/hello"))
                            .timeout(Duration.ofSeconds(10))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            String proxiedBy = response.headers().firstValue("X-Proxied-By").orElse("(none)");
            if (response.statusCode() != 200 || !BODY.equals(response.body()) || !"hello-proxy".equals(proxiedBy)) {
                throw new IllegalStateException("unexpected answer through the proxy: " + response.statusCode()
                        + ", X-Proxied-By: " + proxiedBy + ", body: " + response.body());
            }
            return "consumer: GET /hello through pingora4j -> " + response.statusCode()
                    + " \"" + response.body() + "\" (X-Proxied-By: " + proxiedBy + ")";
        } finally {
            server.shutdown(ShutdownMode.GRACEFUL).toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
