package org.pingora4j.core.connectors.http.v2;

import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import org.pingora4j.core.connectors.Established;
import org.pingora4j.core.connectors.PooledUpstream;
import org.pingora4j.core.connectors.UpstreamHost;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;
import org.pingora4j.core.protocols.http.ClientSession;
import org.pingora4j.core.upstreams.Alpn;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.pool.ConnectionMeta;
import org.pingora4j.pool.GroupKey;
import org.pingora4j.pool.PoolHandle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note.
 *
 * Where a connection is. From its first SETTINGS until GOAWAY, its end or its eviction: in its
 * group's `shared` list, where any request of the same reuse key may reserve a stream on it while
 * it has room (pingora's in-use pool), with no hop to its loop. While it has no stream, it is also
 * in the connector's one ConnectionPool, with the HTTP/1.1 connections, under the same global bound,
 * LRU order and idle timeout (the connection-pool chapter); the request that reserves its first
 * stream again takes it out of that pool. A connection that left `shared` whenever its last stream
 * ended would be out of reach for the requests of the same turn of the loop until the one that took
 * it from the pool had activated it, and they would each open a connection: under a steady load of
 * 64 requests at a time, about one connection per request instead of one. Being opened: counted in
 * its group's `openingCapacity`, the streams it is expected to carry.
 *
 * Waiting for a connection being opened. A request that finds no room reserves a place in the
 * group's FIFO `waiters`; a new connection is opened only when the waiters outnumber what the
 * connections being opened will carry. So 200 requests arriving together at a cold origin that
 * allows 100 streams open 2 connections, not 200 (pingora opens one per request until the first
 * is up; Armeria's pending acquisition is the model). When a connection is ready (its first
 * SETTINGS arrived), it takes waiters up to its capacity; a stream that ends hands its place to
 * the next waiter; a connection that fails to open fails the waiters no other opening connection
 * will cover.
 *
 * Locking: one monitor per group (per reuse key), held only to move counters and lists, never
 * across I/O or a future's completion; the futures complete after it is released. The global
 * ConnectionPool has its own lock and is never called while a group's is held.
 *
 * A group, once made, stays for the life of the connector (a few hundred bytes per reuse key ever
 * used): a connection's stream count is guarded by its group's monitor from its first stream to its
 * close, and taking empty groups out of the map would need every connection to be tied to the one
 * group object it was counted in. A known limit for proxies that make unbounded numbers of distinct
 * peers (a group key per user, say); noted in the closing note of issue #15.
 */

/**
 * The HTTP/2 half of the HTTP connector: multiplexed connections per reuse key, streams handed
 * out on them, connections opened once for many waiting requests. Mirrors pingora's
 * {@code connectors/http/v2.rs} ({@code Connector}, {@code InUsePool}, {@code ConnectionRef}).
 *
 * <p>Not API (see {@code package-info}): reach it through {@code HttpConnector}.
 */
public final class Http2Pool {

    private static final Logger logger = LoggerFactory.getLogger(Http2Pool.class);

    /** How long a new connection may take to send its first SETTINGS, without a connect timeout of the peer's. */
    private static final Duration SETTINGS_WAIT = Duration.ofSeconds(10);

    private final UpstreamHost host;
    private final ConcurrentHashMap<GroupKey, Group> groups = new ConcurrentHashMap<>();

    public Http2Pool(UpstreamHost host) {
        this.host = host;
    }

    /** The connections and waiters of one reuse key. Guarded by its own monitor. */
    static final class Group {
        final List<Http2Connection> shared = new ArrayList<>(2);
        final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
        int openingCapacity;
    }

    private record Waiter(HttpPeer peer, EventLoop loop, CompletableFuture<ClientSession> result) {
    }

    private Group group(HttpPeer peer) {
        return groups.computeIfAbsent(peer.reuseKey(), k -> new Group());
    }

    // ---- checkout -----------------------------------------------------------------------------

    /**
     * A stream to {@code peer}: on a shared connection with room (the caller's loop first), else on
     * an idle pooled one, else on the connection being opened, or a new one. {@code fresh} skips
     * the first two: a retry after a reused connection failed.
     */
    public void acquire(HttpPeer peer, EventLoop loop, CompletableFuture<ClientSession> result, boolean fresh) {
        Group g = group(peer);
        if (!fresh) {
            Http2Connection shared;
            PoolHandle<PooledUpstream> wasIdle = null;
            synchronized (g) {
                shared = pickWithRoom(g, loop);
                if (shared != null) {
                    if (shared.inUse++ == 0) {
                        wasIdle = shared.handle;
                        shared.handle = null;
                    }
                }
            }
            if (wasIdle != null) {
                // Out of the idle pool (counted there as a removal). Had the pool just evicted it,
                // its stream fails as refused, which is retried.
                host.popClosedIdle(wasIdle);
            }
            if (shared != null) {
                openStream(shared, peer, result);
                return;
            }
            PooledUpstream idle = host.takeIdle(peer, loop);
            if (idle instanceof Http2Connection h2) {
                onLoop(h2, () -> activateIdle(h2, g, peer, loop, result), result);
                return;
            }
            if (idle != null) {
                // An idle HTTP/1.1 connection of an H2H1 peer whose origin chose http/1.1.
                host.activateIdleH1(idle, peer, loop, result);
                return;
            }
        }
        boolean connect;
        synchronized (g) {
            g.waiters.add(new Waiter(peer, loop, result));
            connect = fresh || g.waiters.size() > g.openingCapacity;
            if (connect) {
                g.openingCapacity += expectedCapacity(peer);
            }
        }
        if (connect) {
            connect(peer, loop);
        }
    }

    private static Http2Connection pickWithRoom(Group g, EventLoop loop) {
        Http2Connection other = null;
        for (Http2Connection c : g.shared) {
            if (c.hasRoom()) {
                if (c.loop == loop) {
                    return c;
                }
                if (other == null) {
                    other = c;
                }
            }
        }
        return other;
    }

    private static int expectedCapacity(HttpPeer peer) {
        return Http2Connection.streamCap(peer);
    }

    private void activateIdle(Http2Connection c, Group g, HttpPeer peer, EventLoop loop,
                              CompletableFuture<ClientSession> result) {
        boolean alive;
        boolean reserved = false;
        synchronized (g) {
            // c.handle may be the handle the pool just gave up, or a newer one if c idled again
            // meanwhile: left as it is, since popping a handle that is no longer idle does nothing.
            alive = c.channel.isActive() && !c.dead && !c.goingAway;
            if (alive && c.inUse < c.capacity) {
                c.inUse++;
                reserved = true;
                if (!g.shared.contains(c)) {
                    g.shared.add(c);
                }
            }
        }
        if (!alive) {
            host.countStaleOnCheckout();
            c.channel.close();
            acquire(peer, loop, result, false);
            return;
        }
        if (!reserved) {
            acquire(peer, loop, result, false); // filled through the shared list meanwhile
            return;
        }
        openStream(c, peer, result);
    }

    /** Opens a stream on {@code c}, whose place was reserved ({@code inUse} counts it). */
    private void openStream(Http2Connection c, HttpPeer peer, CompletableFuture<ClientSession> result) {
        if (!c.loop.inEventLoop()) {
            onLoop(c, () -> openStream(c, peer, result), result);
            return;
        }
        if (!c.channel.isActive()) {
            streamGone(c);
            result.completeExceptionally(refused(peer, c, "the connection closed before the stream opened", null));
            return;
        }
        new Http2StreamChannelBootstrap(c.channel).open().addListener(f -> {
            if (!f.isSuccess()) {
                streamGone(c);
                result.completeExceptionally(refused(peer, c, "opening a stream failed", f.cause()));
                return;
            }
            Http2StreamChannel stream = (Http2StreamChannel) f.getNow();
            // A failed write (the origin ended the stream after answering, RST_STREAM(NO_ERROR))
            // must not close the stream: its answer may still wait to be read in it.
            stream.config().setAutoClose(false);
            Http2ClientSession session = new Http2ClientSession(c, stream, c.digestForNextStream(), peer);
            stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(false, true), session);
            host.countSession(session.reused());
            if (!result.complete(session)) {
                release(session);
            }
        });
    }

    private static PingoraException refused(HttpPeer peer, Http2Connection c, String why, Throwable cause) {
        return PingoraException.upstream(ErrorType.H2_REFUSED, RetryType.YES, why + " (" + peer + ", " + c + ")", cause);
    }

    // ---- release --------------------------------------------------------------------------------

    /**
     * The request is done with its stream: reset if it has not ended both ways; its connection goes
     * back to the shared or the idle pool. Any thread, more than once.
     *
     * @return a future completed, once that is done, with whether the stream ended cleanly
     */
    public CompletableFuture<Boolean> release(ClientSession session) {
        Http2ClientSession stream = (Http2ClientSession) session;
        EventLoop loop = stream.eventLoop();
        if (loop.inEventLoop()) {
            return CompletableFuture.completedFuture(release(stream));
        }
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        try {
            loop.execute(() -> done.complete(release(stream)));
        } catch (RejectedExecutionException e) {
            stream.connection().channel.close();
            done.complete(false);
        }
        return done;
    }

    /** As {@link #release(ClientSession)}, on the connection's loop. */
    boolean release(Http2ClientSession session) {
        if (!session.release()) {
            return false;
        }
        streamGone(session.connection());
        return session.completed();
    }

    /** A reserved or open stream of {@code c} is gone: its place goes to a waiter, or the connection idles. */
    private void streamGone(Http2Connection c) {
        Group g = groups.get(c.peer.reuseKey());
        Waiter next = null;
        boolean idle = false;
        boolean close = false;
        synchronized (g) {
            c.inUse--;
            if (c.dead || c.goingAway) {
                close = c.inUse == 0;
            } else if (!g.waiters.isEmpty()) {
                next = g.waiters.poll();
                c.inUse++;
            } else if (c.inUse == 0) {
                idle = true; // stays shared; the idle pool bounds and times it
            }
        }
        if (next != null) {
            openStream(c, next.peer(), next.result());
        } else if (idle) {
            toIdle(c);
        } else if (close) {
            c.shutdown();
        }
    }

    private void toIdle(Http2Connection c) {
        Duration idleTimeout = c.peer.idleTimeout();
        if (idleTimeout != null && idleTimeout.isZero()) {
            markDead(c);
            c.shutdown();
            return;
        }
        host.countReleased();
        PoolHandle<PooledUpstream> handle = host.putIdle(c.meta, c, c.loop, idleTimeout);
        if (!handle.isIdle()) {
            return; // evicted at once (the pool is full of fresher connections): closeEvicted runs
        }
        boolean reservedMeanwhile;
        Group g = group(c.peer);
        synchronized (g) {
            reservedMeanwhile = c.inUse > 0 || c.dead || c.goingAway;
            if (!reservedMeanwhile) {
                c.handle = handle;
            }
        }
        if (reservedMeanwhile) {
            host.popClosedIdle(handle);
        }
    }

    /** An idle HTTP/2 connection came out of the pool for HTTP/1.1 (its origin prefers that now): it goes. Any thread. */
    public void retire(PooledUpstream idle) {
        evicted((Http2Connection) idle);
    }

    /** The idle pool dropped {@code c} (LRU, idle timeout, trim): it takes no new stream, and goes. Any thread. */
    void evicted(Http2Connection c) {
        Group g = group(c.peer);
        synchronized (g) {
            c.handle = null;
            c.goingAway = true;
            g.shared.remove(c);
        }
        c.shutdown(); // a stream reserved in the race fails as refused, and is retried
    }

    // ---- opening a connection for the waiters ------------------------------------------------

    /** Connects to {@code peer} on {@code loop}, offering what its Alpn says; the outcome lands here. */
    private void connect(HttpPeer peer, EventLoop loop) {
        host.transport().newStream(peer, loop, peer.options().alpn()).whenComplete((established, error) -> {
            Runnable then = () -> connected(peer, established, error);
            if (loop.inEventLoop()) {
                then.run();
                return;
            }
            try {
                loop.execute(then);
            } catch (RejectedExecutionException e) {
                if (established != null) {
                    established.channel().close();
                }
                openFailed(peer, PingoraException.internal(ErrorType.INTERNAL_ERROR,
                        "the event loop shut down while connecting (" + peer + ")", e));
            }
        });
    }

    /** On the loop: HTTP/2 if the origin agreed, else HTTP/1.1 for an H2H1 peer, else a failure. */
    private void connected(HttpPeer peer, Established established, Throwable error) {
        if (error != null) {
            Throwable failure = UpstreamHost.connectFailure(error);
            host.countConnect(null, failure);
            openFailed(peer, failure);
            return;
        }
        String chosen = established.ssl() == null
                ? (peer.options().alpn() == Alpn.H2 ? "h2" : "http/1.1")
                : established.ssl().applicationProtocol();
        try {
            if ("h2".equals(chosen)) {
                host.countConnect(established, null);
                adopt(established, peer);
            } else if (peer.options().alpn() == Alpn.H2) {
                established.channel().close();
                PingoraException failure = PingoraException.upstream(ErrorType.H2_ERROR, RetryType.NO,
                        "the origin did not agree to HTTP/2 (ALPN: " + chosen + "), and the peer asks for HTTP/2 only ("
                                + peer + ")", null);
                host.countConnect(null, failure);
                openFailed(peer, failure);
            } else {
                host.rememberPrefersH1(peer);
                host.countConnect(established, null);
                fellBackToH1(peer, established);
            }
        } catch (RuntimeException | Error e) {
            established.channel().close();
            openFailed(peer, PingoraException.internal(ErrorType.INTERNAL_ERROR,
                    "setting up the upstream connection failed (" + peer + ")", e));
        }
    }

    // ---- a connection's life, from its handler (on its loop) --------------------------------

    /** A new connection negotiated HTTP/2: it is installed, and waits for the origin's SETTINGS. */
    Http2Connection adopt(Established established, HttpPeer peer) {
        Http2Connection c = new Http2Connection(established, ConnectionMeta.create(peer.reuseKey()), peer, this);
        Http2Pipeline.install(established.channel(), peer, c);
        c.startPing();
        Duration wait = peer.options().connectionTimeout() != null ? peer.options().connectionTimeout() : SETTINGS_WAIT;
        c.loop.schedule(() -> {
            if (!c.ready && c.channel.isActive()) {
                logger.debug("{} sent no SETTINGS within {}: closing it", c, wait);
                c.channel.close(); // its waiters fail (markDead), retryable: nothing was sent
            }
        }, wait.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS);
        return c;
    }

    /** Opening a connection for the waiters failed, before it could speak HTTP/2. */
    void openFailed(HttpPeer peer, Throwable error) {
        Group g = group(peer);
        List<Waiter> failed = new ArrayList<>();
        synchronized (g) {
            g.openingCapacity -= expectedCapacity(peer);
            while (g.waiters.size() > g.openingCapacity) {
                failed.add(g.waiters.pollFirst());
            }
        }
        for (Waiter w : failed) {
            w.result().completeExceptionally(error);
        }
    }

    /**
     * An H2H1 peer's origin chose HTTP/1.1: the first waiter gets this connection as HTTP/1.1, and
     * the waiters no other opening connection covers start again (straight to HTTP/1.1 now).
     */
    void fellBackToH1(HttpPeer peer, Established established) {
        Group g = group(peer);
        Waiter first;
        List<Waiter> again = new ArrayList<>();
        synchronized (g) {
            g.openingCapacity -= expectedCapacity(peer);
            first = g.waiters.pollFirst();
            while (g.waiters.size() > g.openingCapacity) {
                again.add(g.waiters.pollFirst());
            }
        }
        if (first == null) {
            established.channel().close();
        } else {
            host.adoptH1(established, first.peer(), first.result());
        }
        for (Waiter w : again) {
            host.acquire(w.peer(), w.loop(), w.result());
        }
    }

    void settingsReceived(Http2Connection c, int originMaxStreams) {
        Group g = group(c.peer);
        List<Waiter> take = new ArrayList<>();
        boolean first;
        boolean idle = false;
        synchronized (g) {
            c.capacity = Math.max(0, Math.min(c.expectedCapacity(), originMaxStreams));
            first = !c.ready;
            if (first) {
                c.ready = true;
                g.openingCapacity -= c.expectedCapacity();
                if (!c.dead && !c.goingAway) {
                    g.shared.add(c);
                    while (c.inUse < c.capacity && !g.waiters.isEmpty()) {
                        take.add(g.waiters.pollFirst());
                        c.inUse++;
                    }
                    idle = c.inUse == 0;
                }
            }
        }
        if (!first) {
            return;
        }
        for (Waiter w : take) {
            openStream(c, w.peer(), w.result());
        }
        if (idle) {
            toIdle(c);
        }
        topUpOpening(c.peer);
    }

    /** If waiters outnumber what the connections being opened will carry, opens another. */
    private void topUpOpening(HttpPeer peer) {
        Group g = group(peer);
        boolean connect;
        EventLoop loop = null;
        synchronized (g) {
            connect = g.waiters.size() > g.openingCapacity;
            if (connect) {
                g.openingCapacity += expectedCapacity(peer);
                loop = g.waiters.peekLast().loop();
            }
        }
        if (connect) {
            connect(peer, loop);
        }
    }

    void goAwayReceived(Http2Connection c, long errorCode, int lastStreamId) {
        logger.debug("{} got GOAWAY (error {}, last stream {})", c, errorCode, lastStreamId);
        Group g = group(c.peer);
        boolean close;
        synchronized (g) {
            c.goingAway = true;
            g.shared.remove(c);
            close = c.inUse == 0;
        }
        leavePool(c);
        if (close) {
            c.channel.close();
        }
    }

    void connectionClosed(Http2Connection c) {
        markDead(c);
        leavePool(c);
    }

    void connectionFailed(Http2Connection c, Throwable cause) {
        logger.debug("{} failed", c, cause);
        markDead(c);
        leavePool(c);
    }

    void pingTimedOut(Http2Connection c) {
        logger.debug("{} did not answer a PING in time: closing it", c);
        markDead(c);
        leavePool(c);
        c.channel.close();
    }

    private void markDead(Http2Connection c) {
        Group g = group(c.peer);
        List<Waiter> failed = new ArrayList<>();
        synchronized (g) {
            if (c.dead) {
                return;
            }
            c.dead = true;
            g.shared.remove(c);
            if (!c.ready) {
                // Died before its SETTINGS: it will carry nobody; fail whom no other opening connection covers.
                c.ready = true;
                g.openingCapacity -= c.expectedCapacity();
                while (g.waiters.size() > g.openingCapacity) {
                    failed.add(g.waiters.pollFirst());
                }
            }
        }
        PingoraException error = PingoraException.upstream(ErrorType.CONNECTION_CLOSED, RetryType.YES,
                "the new HTTP/2 connection closed before it was ready (" + c + ")", null);
        for (Waiter w : failed) {
            w.result().completeExceptionally(error);
        }
    }

    private void leavePool(Http2Connection c) {
        PoolHandle<PooledUpstream> handle;
        Group g = group(c.peer);
        synchronized (g) {
            handle = c.handle;
            c.handle = null;
        }
        if (handle != null && host.popClosedIdle(handle)) {
            host.countIdleClosed();
        }
    }

    // ---- helpers --------------------------------------------------------------------------------

    private static void onLoop(Http2Connection c, Runnable work, CompletableFuture<ClientSession> result) {
        try {
            c.loop.execute(work);
        } catch (RejectedExecutionException e) {
            result.completeExceptionally(PingoraException.internal(ErrorType.INTERNAL_ERROR,
                    "the upstream event loop is shut down (" + c + ")", e));
        }
    }
}
