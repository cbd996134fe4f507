package org.pingora4j.core.connectors;

import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.http.ClientSession;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.pool.ConnectionMeta;
import org.pingora4j.pool.PoolHandle;

/**
 * What each protocol's half of the HTTP connector ({@code connectors.http.v1} and {@code .v2})
 * asks of the {@code HttpConnector} it belongs to: the one idle pool both protocols share, the
 * counters behind {@code ConnectorStats}, the transport, and the other protocol when a peer
 * changes protocol (an {@code H2H1} origin that chose HTTP/1.1). In pingora the two halves share
 * the {@code TransportConnector}'s pool the same way.
 *
 * <p>Not API: public only so that the per-protocol packages, which never import each other or
 * their parent, can reach the connector. Every method may be called on any thread.
 */
public interface UpstreamHost {

    /** Establishes new connections. */
    TransportConnector transport();

    /** An idle connection for {@code peer}'s reuse key (the loop's own first), out of the pool; or null. */
    PooledUpstream takeIdle(HttpPeer peer, EventLoop loop);

    /** Puts an idle connection in the pool; the handle says whether it stayed there. */
    PoolHandle<PooledUpstream> putIdle(ConnectionMeta meta, PooledUpstream connection, EventLoop loop,
                                       Duration idleTimeout);

    /** Takes a connection that died while idle out of the pool; whether it was still there. */
    boolean popClosedIdle(PoolHandle<PooledUpstream> handle);

    /** A new connection was established (counted, metered); {@code failure} null for success. */
    void countConnect(Established established, Throwable failure);

    /** A session was handed out; {@code reused} if it rode an existing connection. */
    void countSession(boolean reused);

    /** A session was given back. */
    void countReleased();

    /** A released HTTP/1.1 connection could not be pooled. */
    void countNotReusable();

    /** A connection taken from the pool turned out dead. */
    void countStaleOnCheckout();

    /** A pooled connection died while idle and left the pool. */
    void countIdleClosed();

    /** An idle connection of the other protocol came out of the pool for this one: retire it (close, unshare). */
    void retire(PooledUpstream otherProtocol);

    /** Serves {@code result} from an idle HTTP/1.1 connection the HTTP/2 half took from the pool. */
    void activateIdleH1(PooledUpstream idle, HttpPeer peer, EventLoop loop, CompletableFuture<? super ClientSession> result);

    /** A connection opened for HTTP/2 speaks HTTP/1.1 (the origin chose it): serve {@code result} on it. */
    void adoptH1(Established established, HttpPeer peer, CompletableFuture<ClientSession> result);

    /** The origin of {@code peer} answered an H2H1 offer with http/1.1: offer only that from now on. */
    void rememberPrefersH1(HttpPeer peer);

    /** Starts a checkout again from the protocol decision (which may have changed). */
    void acquire(HttpPeer peer, EventLoop loop, CompletableFuture<ClientSession> result);

    /** A connect failure as the {@link PingoraException} a request reports. */
    static Throwable connectFailure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        return cause instanceof PingoraException ? cause
                : PingoraException.upstream(ErrorType.CONNECT_ERROR, "connect failed", cause);
    }
}
