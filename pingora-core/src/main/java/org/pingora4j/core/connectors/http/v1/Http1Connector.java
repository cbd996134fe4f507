package org.pingora4j.core.connectors.http.v1;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpRequestEncoder;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.pingora4j.core.connectors.Established;
import org.pingora4j.core.connectors.HandlerNames;
import org.pingora4j.core.connectors.PooledUpstream;
import org.pingora4j.core.connectors.UpstreamHost;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.pool.ConnectionMeta;
import org.pingora4j.pool.PoolHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/1.1 half of the HTTP connector: a connection per request at a time, taken from the one
 * idle pool or opened, and given back to it. Mirrors pingora's {@code connectors/http/v1.rs}.
 *
 * <p>Not API (see {@code package-info}): reach it through {@code HttpConnector}.
 */
public final class Http1Connector {

    private static final Logger logger = LoggerFactory.getLogger(Http1Connector.class);

    private final UpstreamHost host;

    public Http1Connector(UpstreamHost host) {
        this.host = host;
    }

    // ---- checkout -------------------------------------------------------------------------------

    /** A session on an idle pooled connection if one is alive, else on a new one. Any thread. */
    public void checkout(HttpPeer peer, EventLoop callerLoop, CompletableFuture<? super Http1ClientSession> result) {
        PooledUpstream pooled = host.takeIdle(peer, callerLoop);
        if (pooled == null) {
            connect(peer, callerLoop, result);
        } else if (pooled instanceof UpstreamConnection idle) {
            activateIdle(idle, peer, callerLoop, result);
        } else {
            // An H2H1 origin that spoke HTTP/2 before and prefers HTTP/1.1 now: retire it.
            host.retire(pooled);
            checkout(peer, callerLoop, result);
        }
    }

    /** Takes an idle HTTP/1.1 connection the caller took out of the pool: checked alive on its loop. */
    public void activateIdle(PooledUpstream pooled, HttpPeer peer, EventLoop callerLoop,
                             CompletableFuture<? super Http1ClientSession> result) {
        UpstreamConnection idle = (UpstreamConnection) pooled;
        Runnable activate = () -> {
            idle.watcher.leaveIdle();
            idle.handle = null;
            if (idle.dead || !idle.channel.isActive()) {
                host.countStaleOnCheckout();
                idle.channel.close();
                checkout(peer, callerLoop, result);
                return;
            }
            if (!result.complete(startSession(idle, peer))) {
                idle.channel.close();
            }
        };
        if (idle.loop.inEventLoop()) {
            activate.run();
            return;
        }
        try {
            idle.loop.execute(activate);
        } catch (RejectedExecutionException e) {
            // Its loop is shutting down: the connection is out of the pool and useless; close it
            // (thread safe) and connect afresh, which fails cleanly if the caller's loop is down too.
            host.countStaleOnCheckout();
            idle.channel.close();
            connect(peer, callerLoop, result);
        }
    }

    /** A session on a new connection, never a pooled one. Any thread. */
    public void connect(HttpPeer peer, EventLoop loop, CompletableFuture<? super Http1ClientSession> result) {
        // The connect may finish before this callback is attached, which then runs on the calling
        // thread: hop to the loop, where the pipeline and the session live.
        host.transport().newStream(peer, loop, Alpn.H1).whenComplete((established, error) -> {
            if (loop.inEventLoop()) {
                onConnected(peer, established, error, result);
                return;
            }
            try {
                loop.execute(() -> onConnected(peer, established, error, result));
            } catch (RejectedExecutionException e) {
                if (established != null) {
                    established.channel().close();
                }
                PingoraException failure = PingoraException.internal(ErrorType.INTERNAL_ERROR,
                        "the event loop shut down while connecting (" + peer + ")", e);
                host.countConnect(null, failure);
                result.completeExceptionally(failure);
            }
        });
    }

    private void onConnected(HttpPeer peer, Established established, Throwable error,
                             CompletableFuture<? super Http1ClientSession> result) {
        if (error != null) {
            Throwable failure = UpstreamHost.connectFailure(error);
            host.countConnect(null, failure);
            result.completeExceptionally(failure);
            return;
        }
        host.countConnect(established, null);
        try {
            Http1ClientSession session = adopt(established, peer);
            if (!result.complete(session)) {
                session.connection().channel.close();
            }
        } catch (RuntimeException | Error e) {
            // Never lose a request to an exception thrown inside a future's callback.
            established.channel().close();
            result.completeExceptionally(PingoraException.internal(ErrorType.INTERNAL_ERROR,
                    "setting up the upstream connection failed (" + peer + ")", e));
        }
    }

    /** Builds the HTTP/1.1 pipeline on a new (already counted) connection and starts its first session. On its loop. */
    public Http1ClientSession adopt(Established established, HttpPeer peer) {
        return startSession(install(established, peer), peer);
    }

    private UpstreamConnection install(Established established, HttpPeer peer) {
        UpstreamConnection connection = new UpstreamConnection(established, ConnectionMeta.create(peer.reuseKey()), peer);
        connection.watcher = new IdleWatcher(this, connection);
        connection.decoder = new ResponseDecoder(connection);
        Channel channel = established.channel();
        ChannelPipeline pipeline = channel.pipeline();
        pipeline.addLast(HandlerNames.IDLE_WATCH, connection.watcher);
        pipeline.addLast(HandlerNames.HTTP_CODEC, connection.decoder);
        pipeline.addLast(HandlerNames.HTTP_ENCODER, new HttpRequestEncoder());
        pipeline.addLast(HandlerNames.HTTP_SESSION, new SessionBridge(connection));
        return connection;
    }

    private Http1ClientSession startSession(UpstreamConnection connection, HttpPeer peer) {
        assert connection.loop.inEventLoop();
        connection.requests++;
        Http1ClientSession session = new Http1ClientSession(connection, connection.digestForNextRequest(), peer);
        connection.session = session;
        host.countSession(session.reused());
        return session;
    }

    // ---- release --------------------------------------------------------------------------------

    /** Gives a session back (see {@code HttpConnector.releaseHttpSession}). Any thread, more than once. */
    public CompletableFuture<Boolean> release(Http1ClientSession session) {
        EventLoop loop = session.eventLoop();
        if (loop.inEventLoop()) {
            return CompletableFuture.completedFuture(releaseOnLoop(session));
        }
        CompletableFuture<Boolean> pooled = new CompletableFuture<>();
        try {
            loop.execute(() -> pooled.complete(releaseOnLoop(session)));
        } catch (RejectedExecutionException e) {
            // The loop is gone, and the session's pending reads with it; closing is thread safe.
            session.connection().channel.close();
            pooled.complete(false);
        }
        return pooled;
    }

    private boolean releaseOnLoop(Http1ClientSession session) {
        UpstreamConnection connection = session.connection();
        assert connection.loop.inEventLoop();
        String reason = session.notReusableReason();
        if (!session.markReleased()) {
            return false;
        }
        host.countReleased();
        connection.session = null;
        KeepAliveHeader keepAlive = session.keepAlive();
        if (reason == null) {
            reason = spendServerBudget(connection, keepAlive);
        }
        // The releasing request's peer decides, as in pingora's release_http_session(session, peer, idle_timeout)
        Duration idleTimeout = keepAlive.idleTimeout(session.peer().idleTimeout());
        if (reason == null && idleTimeout != null && idleTimeout.isZero()) {
            reason = keepAlive.timeoutSeconds() >= 0 ? "upstream keep-alive timeout too short to pool safely" : "idle timeout 0";
        }
        if (reason != null) {
            host.countNotReusable();
            logger.debug("Not reusing {}: {}", connection, reason);
            connection.dead = true;
            connection.channel.close();
            return false;
        }
        connection.watcher.enterIdle();
        PoolHandle<PooledUpstream> handle = host.putIdle(connection.meta, connection, connection.loop, idleTimeout);
        if (handle.isIdle()) {
            connection.handle = handle;
            return true;
        }
        return false;
    }

    /** Applies the upstream's {@code Keep-Alive: max}; returns why not to reuse, or null. */
    private static String spendServerBudget(UpstreamConnection connection, KeepAliveHeader keepAlive) {
        if (keepAlive.max() >= 0) {
            connection.serverRequestBudget = keepAlive.max();
        } else if (connection.serverRequestBudget > 0) {
            connection.serverRequestBudget--;
        }
        return connection.serverRequestBudget == 0 ? "upstream keep-alive max reached" : null;
    }

    /** The idle watcher saw the pooled connection die: take it out and close it. On its loop. */
    void idleConnectionDied(UpstreamConnection connection, String why) {
        assert connection.loop.inEventLoop();
        connection.dead = true;
        PoolHandle<PooledUpstream> handle = connection.handle;
        connection.handle = null;
        if (handle != null && host.popClosedIdle(handle)) {
            host.countIdleClosed();
            logger.debug("Idle {} left the pool: {}", connection, why);
        }
        connection.channel.close();
    }
}
