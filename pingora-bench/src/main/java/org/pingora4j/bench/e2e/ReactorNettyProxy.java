package org.pingora4j.bench.e2e;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLException;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The JVM peer of the end-to-end comparison: a small reverse proxy on Reactor Netty (the engine
 * under Spring Cloud Gateway), written the way its documentation suggests, an {@link HttpServer}
 * whose handler streams each request through a pooled {@link HttpClient}. Server and client share
 * the same event loops ({@code --threads}), and the client's connection is colocated on the loop
 * of the request that uses it.
 *
 * <p>Pool: Reactor Netty caps <em>active</em> connections (others wait for one), where nginx and
 * pingora4j cap <em>idle</em> ones. Its default cap is {@code 2 × max(cores, 8)} with twice that
 * many waiters, and it refuses requests beyond them, so {@code --pool 0} gives 128 (the other
 * proxies' default idle cap) and every run lets requests wait without a bound. TLS: the client
 * trusts only {@code --ca} and verifies the host name against {@code --sni}.
 */
public final class ReactorNettyProxy {

    /** Connection-level headers a proxy must not forward (RFC 9110, 7.6.1). */
    private static final List<CharSequence> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION,
            HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.PROXY_AUTHENTICATE, HttpHeaderNames.PROXY_AUTHORIZATION,
            HttpHeaderNames.TE, HttpHeaderNames.TRAILER, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.UPGRADE);

    private ReactorNettyProxy() {
    }

    /** Starts the proxy and blocks until the JVM is signalled. */
    public static void main(String[] cmdline) throws SSLException {
        ProxyArgs args = ProxyArgs.parse(cmdline);
        LoopResources loops = LoopResources.create("rn-proxy", args.threads(), true);
        ConnectionProvider pool = ConnectionProvider.builder("upstream")
                .maxConnections(args.pool() > 0 ? args.pool() : 128)
                .pendingAcquireMaxCount(-1)
                .pendingAcquireTimeout(Duration.ofSeconds(60))
                .build();
        String scheme = args.tls() ? "https://" : "http://";
        HttpClient client = HttpClient.create(pool)
                .runOn(loops)
                .baseUrl(scheme + args.upstream())
                .keepAlive(true);
        if (args.tls()) {
            SslContext ssl = SslContextBuilder.forClient()
                    .trustManager(args.ca().map(java.nio.file.Path::toFile).orElse((File) null))
                    .build();
            client = client.secure(spec -> spec.sslContext(ssl).serverNames(
                    new javax.net.ssl.SNIHostName(args.sni())));
        }
        HttpClient upstream = client;
        String host = args.host();
        DisposableServer server = HttpServer.create()
                .runOn(loops)
                .host(ProxyArgs.hostOf(args.listen()))
                .port(ProxyArgs.portOf(args.listen()))
                .handle((request, response) -> upstream
                        .request(request.method())
                        .uri(request.uri())
                        // Headers go on the outgoing request: HttpClient.headers(...) here would copy
                        // the client's whole configuration per request.
                        .send((outbound, out) -> {
                            copyEndToEnd(request.requestHeaders(), outbound.requestHeaders())
                                    .set(HttpHeaderNames.HOST, host);
                            return out.send(request.receive().retain());
                        })
                        .response((upstreamResponse, body) -> {
                            response.status(upstreamResponse.status());
                            copyEndToEnd(upstreamResponse.responseHeaders(), response.responseHeaders());
                            return response.send(body.retain());
                        })
                        .then()
                        .onErrorResume(e -> response.status(502).send().then(Mono.empty())))
                .bindNow();
        System.out.println("reactor-netty proxy on " + args.listen() + " -> " + args.upstream()
                + ", threads " + args.threads());
        server.onDispose().block();
    }

    private static HttpHeaders copyEndToEnd(HttpHeaders from, HttpHeaders to) {
        to.set(from);
        HOP_BY_HOP.forEach(to::remove);
        return to;
    }
}
