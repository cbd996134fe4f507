package org.pingora4j.core.connectors.http.v1;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import org.pingora4j.core.connectors.Established;
import org.pingora4j.core.connectors.PooledUpstream;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.pool.ConnectionMeta;
import org.pingora4j.pool.EvictionCause;
import org.pingora4j.pool.PoolHandle;

/**
 * One HTTP/1.1 upstream connection across the requests it serves: what the pool holds. Mirrors the
 * stream pingora keeps in its pool, with what pingora forgets between requests (the request count
 * and the server's keep-alive budget).
 *
 * <p>Confined to its channel's event loop, except {@link #closeEvicted}, which any thread may call
 * (closing a Netty channel is thread safe).
 */
final class UpstreamConnection implements PooledUpstream {

    final Channel channel;
    final EventLoop loop;
    final ConnectionMeta meta;
    /** The peer the connection was opened for; each request applies its own peer (see Http1ClientSession#peer). */
    final HttpPeer peer;
    final Established established;
    /** Set once by the connector when it builds the pipeline. */
    IdleWatcher watcher;
    /** Set once by the connector when it builds the pipeline. */
    ResponseDecoder decoder;

    /** Requests started on this connection. */
    int requests;
    /** Requests the server still accepts (its {@code Keep-Alive: max}), or -1 for no limit known. */
    long serverRequestBudget = -1;
    /** The request now using the connection, or null while idle. */
    Http1ClientSession session;
    /** The connection's place in the pool while idle. */
    PoolHandle<PooledUpstream> handle;
    /** Set once the connection must never be used again. */
    boolean dead;

    UpstreamConnection(Established established, ConnectionMeta meta, HttpPeer peer) {
        this.channel = established.channel();
        this.loop = channel.eventLoop();
        this.established = established;
        this.meta = meta;
        this.peer = peer;
    }

    Digest digestForNextRequest() {
        return new Digest(requests > 1, requests, established.timing(), established.socket(), established.ssl());
    }

    @Override
    public void closeEvicted(EvictionCause cause) {
        channel.close();
    }

    @Override
    public String toString() {
        return "UpstreamConnection(" + meta.id() + ", " + peer.address() + ", requests=" + requests + ')';
    }
}
