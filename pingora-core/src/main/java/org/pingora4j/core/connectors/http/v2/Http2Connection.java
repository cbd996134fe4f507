package org.pingora4j.core.connectors.http.v2;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.DefaultHttp2PingFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2PingFrame;
import io.netty.handler.codec.http2.Http2SettingsFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.connectors.Established;
import org.pingora4j.core.connectors.PooledUpstream;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.PeerOptions;
import org.pingora4j.pool.ConnectionMeta;
import org.pingora4j.pool.EvictionCause;
import org.pingora4j.pool.PoolHandle;

/*
 * Design note.
 *
 * Two kinds of state live here. The stream accounting (inUse, capacity, goingAway, dead) is read
 * and changed by whichever thread acquires a stream, always under the lock of the connection's
 * Http2Pool.Group; it is what lets a request on another loop reserve a stream without a hop. The
 * rest (the idle handle, the PING timer, the settings as they arrive) is confined to the
 * connection's event loop. A reservation made under the lock is turned into a real stream on the
 * loop (openStream); if the connection died in between, the stream fails as refused, which is
 * retryable for any method because nothing was sent.
 */

/**
 * One HTTP/2 upstream connection, shared by the streams of many requests: pingora's
 * {@code ConnectionRef} ({@code connectors/http/v2.rs}). Its handler sits last in the connection's
 * pipeline, after Netty's frame codec and multiplexer, and sees the connection-level frames: the
 * origin's {@code SETTINGS} (its stream limit), {@code GOAWAY} (no new streams from then on),
 * {@code PING} answers (liveness), and the connection's end.
 */
final class Http2Connection extends ChannelInboundHandlerAdapter implements PooledUpstream {

    final Channel channel;
    final EventLoop loop;
    final HttpPeer peer;
    final Established established;
    final ConnectionMeta meta;
    private final Http2Pool pool;
    private final int streamCap;

    // Guarded by the group's lock (see the design note).
    /** Streams reserved or open. */
    int inUse;
    /** How many streams may be open at once: min(the peer's cap, the origin's SETTINGS). */
    int capacity;
    boolean goingAway;
    boolean dead;
    /** Whether the origin's first SETTINGS arrived: until then the connection carries no stream. */
    boolean ready;

    // Confined to the loop.
    /** Streams opened so far; the next one's number in its digest. */
    int streams;
    /** The connection's place in the idle pool, while it has no stream. */
    PoolHandle<PooledUpstream> handle;
    private ScheduledFuture<?> pingTimer;
    private boolean pingOutstanding;

    Http2Connection(Established established, ConnectionMeta meta, HttpPeer peer, Http2Pool pool) {
        this.channel = established.channel();
        this.loop = channel.eventLoop();
        this.established = established;
        this.meta = meta;
        this.peer = peer;
        this.pool = pool;
        this.streamCap = streamCap(peer);
        this.capacity = streamCap;
    }

    /** The peer's stream cap: its {@code maxH2Streams}, or the default cap when that is 0. */
    static int streamCap(HttpPeer peer) {
        int configured = peer.options().maxH2Streams();
        return configured == 0 ? PeerOptions.DEFAULT_H2_STREAM_CAP : configured;
    }

    /** The stream cap before the origin says its own: what a connection being opened is expected to carry. */
    int expectedCapacity() {
        return streamCap;
    }

    Digest digestForNextStream() {
        streams++;
        return new Digest(streams > 1, streams, established.timing(), established.socket(), established.ssl());
    }

    /** Whether a new stream may be reserved here; under the group's lock. */
    boolean hasRoom() {
        return ready && !goingAway && !dead && inUse < capacity;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof Http2SettingsFrame settings) {
                Long max = settings.settings().maxConcurrentStreams();
                pool.settingsReceived(this, max == null ? Integer.MAX_VALUE : (int) Math.min(Integer.MAX_VALUE, max));
            } else if (msg instanceof Http2GoAwayFrame goAway) {
                pool.goAwayReceived(this, goAway.errorCode(), goAway.lastStreamId());
            } else if (msg instanceof Http2PingFrame ping && ping.ack()) {
                pingOutstanding = false;
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancelPing();
        pool.connectionClosed(this);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A connection error: the codec already sent GOAWAY; every stream fails with the connection.
        pool.connectionFailed(this, cause);
        ctx.close();
    }

    /** Says GOAWAY (no error) and closes once it is out. Any thread. */
    void shutdown() {
        if (loop.inEventLoop()) {
            shutdownOnLoop();
        } else {
            try {
                loop.execute(this::shutdownOnLoop);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                channel.close();
            }
        }
    }

    private void shutdownOnLoop() {
        if (!channel.isActive()) {
            return;
        }
        channel.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR))
                .addListener(f -> channel.close());
    }

    @Override
    public void closeEvicted(EvictionCause cause) {
        pool.evicted(this);
    }

    // ---- PING liveness ------------------------------------------------------------------------

    /**
     * Starts the PING timer if the peer asks for one: every interval a PING goes out, and a PING
     * still unanswered at the next tick closes the connection (its streams fail with it). On the loop.
     */
    void startPing() {
        Duration interval = peer.options().h2PingInterval();
        if (interval == null || pingTimer != null) {
            return;
        }
        long nanos = interval.toNanos();
        pingTimer = loop.scheduleAtFixedRate(this::pingTick, nanos, nanos, TimeUnit.NANOSECONDS);
    }

    private void pingTick() {
        if (!channel.isActive()) {
            cancelPing();
            return;
        }
        if (pingOutstanding) {
            pool.pingTimedOut(this);
            return;
        }
        pingOutstanding = true;
        channel.writeAndFlush(new DefaultHttp2PingFrame(System.nanoTime()));
    }

    private void cancelPing() {
        if (pingTimer != null) {
            pingTimer.cancel(false);
            pingTimer = null;
        }
    }

    @Override
    public String toString() {
        return "Http2Connection(" + meta.id() + ", " + peer.address() + ", streams=" + streams + ')';
    }
}
