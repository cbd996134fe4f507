package org.pingora4j.examples;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import org.pingora4j.core.connectors.http.HttpConnector;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * The chapter's "how the connection pool works" snippets, run for real against the connector the
 * proxy uses: take a connection (pooled if one is idle), send a request on it, give it back.
 *
 * <p>Blocks on each step, so call it from a plain thread, never from an event loop.
 */
public final class PoolWalkthrough {

    private PoolWalkthrough() {
    }

    /** Fetches {@code path} from {@code peer} once and returns the connection's digest. */
    public static Digest fetchOnce(HttpConnector connector, HttpPeer peer, EventLoop loop, String path) {
        // tag::get[]
        // Take an idle connection of the peer's group (its reuse hash) from the pool, or connect a new one
        Http1ClientSession connection = connector.getHttpSession(peer, loop).join();
        // end::get[]

        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        request.headers().set("Host", peer.sni().isEmpty() ? peer.host() : peer.sni());
        connection.writeRequestHeader(request, true).join();
        connection.readResponseHeader().join();
        while (true) {
            HttpContent part = connection.readResponseBody().join();
            boolean last = part instanceof LastHttpContent;
            part.release();
            if (last) {
                break;
            }
        }

        // tag::release[]
        // Give it back: pooled for the peer's idle timeout if it is reusable, closed otherwise
        connector.releaseHttpSession(connection).join();
        // end::release[]
        return connection.digest();
    }

    /**
     * Fetches {@code /} from the settings' upstream twice through one connector, printing whether
     * each fetch reused a pooled connection: what {@code java -jar pingora4j-examples.jar
     * walkthrough} runs.
     */
    public static void run(ExampleSettings settings, PrintStream out) {
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (HttpConnector connector = HttpConnector.builder(new ConnectorOptions(128))
                .resolver(settings.resolver()).build()) {
            HttpPeer peer = new HttpPeer(settings.upstream(), settings.tls(), settings.sni())
                    .withOptions(o -> o.idleTimeout(Duration.ofSeconds(60)).ca(settings.ca()));
            for (int i = 1; i <= 2; i++) {
                Digest digest = fetchOnce(connector, peer, loops.next(), "/");
                out.println("fetch " + i + " from " + settings.upstream() + ": connection reused: " + digest.reused());
            }
        } finally {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
