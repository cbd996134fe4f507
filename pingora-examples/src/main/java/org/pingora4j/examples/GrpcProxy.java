package org.pingora4j.examples;

// tag::proxy[]
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.protocols.http.ResponseHeader;
import org.pingora4j.core.server.Server;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.proxy.HttpServerOptions;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.ProxyService;
import org.pingora4j.proxy.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Proxies gRPC calls, HTTP/2 on both sides, to one plaintext gRPC server. */
public class GrpcProxy implements ProxyHttp<Void> {

    private static final Logger log = LoggerFactory.getLogger(GrpcProxy.class);

    // Plain peer + Alpn.H2: HTTP/2 with prior knowledge, as plaintext gRPC servers expect
    private final HttpPeer origin = new HttpPeer("127.0.0.1:50051", false, "")
            .withOptions(o -> o.alpn(Alpn.H2));

    @Override
    public Void newCtx() {
        return null;
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        return CompletableFuture.completedStage(origin);
    }

    @Override
    public void logging(Session session, PingoraException error, Void ctx) {
        ResponseHeader response = session.responseHeader();
        Digest upstream = session.upstreamDigest(); // null if no connection was obtained
        log.info("{} {} client={} upstream={} reused={} status={} error={}",
                session.reqHeader().method(), session.reqHeader().uri(), // the URI is /package.Service/Method
                session.downstreamProtocol(), session.upstreamProtocol(),
                upstream != null && upstream.reused(),
                response != null ? response.statusCode() : 0,
                error != null ? error.type() : "-");
    }
    // end::proxy[]

    /** Listens on 127.0.0.1:6188 (h2c and HTTP/1.1) and 127.0.0.1:6189 (TLS) until SIGTERM or SIGINT. */
    public static void main(String[] args) {
        // tag::main[]
        Server server = new Server();
        server.bootstrap();

        ProxyService<Void> proxy = ProxyService.builder(server.conf(), new GrpcProxy())
                .serverOptions(HttpServerOptions.builder()
                        .h2c(true)       // plain port: h2c with prior knowledge beside HTTP/1.1
                        .build())        // TLS ports offer h2 already; .h2(false) offers only http/1.1
                .build();
        proxy.addTcp("127.0.0.1:6188");                                  // h2c and HTTP/1.1
        proxy.addTls("127.0.0.1:6189", "server.crt", "server.key");      // ALPN h2, http/1.1
        server.addService(proxy);
        server.runForever();
        // end::main[]
    }

    /** The two kinds of origin the HTTP/2 page shows. */
    static List<HttpPeer> peerExamples() {
        // tag::peers[]
        // A gRPC server speaking plaintext HTTP/2
        HttpPeer grpc = new HttpPeer("127.0.0.1:50051", false, "").withOptions(o -> o.alpn(Alpn.H2));
        // An HTTPS origin: HTTP/2 if it agrees, else HTTP/1.1
        HttpPeer web = new HttpPeer("api.example.com:443", true, "api.example.com").withOptions(o -> o.alpn(Alpn.H2H1));
        // end::peers[]
        return List.of(grpc, web);
    }
// tag::proxy[]
}
// end::proxy[]
