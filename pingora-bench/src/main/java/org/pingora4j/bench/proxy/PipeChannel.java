package org.pingora4j.bench.proxy;

import io.netty.channel.AbstractChannel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.ChannelMetadata;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelConfig;
import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.ClosedChannelException;
import java.util.ArrayDeque;

/**
 * One end of an in-memory, full-duplex pipe whose two ends live on the same event loop and report
 * {@code 127.0.0.1} socket addresses: the client connection of the in-memory proxy.
 *
 * <p>Why not Netty's {@link io.netty.channel.local.LocalChannel}: the proxy casts its client's
 * {@code remoteAddress()} to {@link InetSocketAddress} on every request (for X-Forwarded-For and
 * {@code Session.clientAddr()}), and a {@code LocalChannel}'s address is a
 * {@link io.netty.channel.local.LocalAddress}. The upstream side does use {@code LocalChannel}
 * ({@code Transport.local()}).
 *
 * <p>Semantics kept close to a socket's: what one end flushes reaches the other end in a later
 * event loop task (never inline in the writer's stack), one {@code read()} delivers one message
 * (more while auto-read is on), then {@code channelReadComplete}. The pipe does no I/O: it
 * registers with any event loop without an I/O handle and moves buffers by reference, so its cost
 * is a queue and a task per flush. Confined to its event loop; not thread-safe.
 */
final class PipeChannel extends AbstractChannel {

    private static final ChannelMetadata METADATA = new ChannelMetadata(false);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static int nextClientPort = 40_000;

    private final ChannelConfig config = new DefaultChannelConfig(this);
    private final InetSocketAddress localAddress;
    private final InetSocketAddress remoteAddress;
    private final ArrayDeque<Object> inbound = new ArrayDeque<>();
    private final Runnable deliverTask = this::deliver;
    private PipeChannel peer;
    private boolean open = true;
    private boolean readRequested;
    private boolean deliveryScheduled;

    private PipeChannel(InetSocketAddress localAddress, InetSocketAddress remoteAddress) {
        super(null);
        this.localAddress = localAddress;
        this.remoteAddress = remoteAddress;
    }

    /**
     * Returns a connected pair, {@code [client, server]}, not registered yet: register both with the
     * same event loop ({@code loop.register(channel)}) after installing their handlers.
     */
    static synchronized PipeChannel[] pair(int serverPort) {
        InetSocketAddress client = new InetSocketAddress(LOOPBACK, nextClientPort);
        nextClientPort = nextClientPort == 65_535 ? 40_000 : nextClientPort + 1;
        InetSocketAddress server = new InetSocketAddress(LOOPBACK, serverPort);
        PipeChannel clientEnd = new PipeChannel(client, server);
        PipeChannel serverEnd = new PipeChannel(server, client);
        clientEnd.peer = serverEnd;
        serverEnd.peer = clientEnd;
        return new PipeChannel[] {clientEnd, serverEnd};
    }

    @Override
    public ChannelConfig config() {
        return config;
    }

    @Override
    public ChannelMetadata metadata() {
        return METADATA;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public boolean isActive() {
        return open;
    }

    @Override
    protected boolean isCompatible(EventLoop loop) {
        return true; // no I/O handle to register: all of the pipe's work runs as loop tasks
    }

    @Override
    protected SocketAddress localAddress0() {
        return localAddress;
    }

    @Override
    protected SocketAddress remoteAddress0() {
        return remoteAddress;
    }

    @Override
    protected void doBind(SocketAddress local) {
        throw new UnsupportedOperationException("a pipe end is bound when created");
    }

    @Override
    protected void doDisconnect() {
        doClose();
    }

    @Override
    protected void doClose() {
        if (!open) {
            return;
        }
        open = false;
        for (Object msg = inbound.poll(); msg != null; msg = inbound.poll()) {
            ReferenceCountUtil.release(msg);
        }
        PipeChannel other = peer;
        if (other.open && other.isRegistered()) {
            other.eventLoop().execute(() -> other.unsafe().close(other.unsafe().voidPromise()));
        }
    }

    @Override
    protected void doBeginRead() {
        readRequested = true;
        if (!inbound.isEmpty()) {
            scheduleDelivery();
        }
    }

    @Override
    protected void doWrite(ChannelOutboundBuffer out) throws Exception {
        PipeChannel to = peer;
        if (to.eventLoop() != eventLoop()) {
            throw new IllegalStateException("both ends of a pipe must run on one event loop");
        }
        for (Object msg = out.current(); msg != null; msg = out.current()) {
            if (!to.open) {
                throw new ClosedChannelException();
            }
            to.inbound.add(ReferenceCountUtil.retain(msg));
            out.remove();
        }
        to.scheduleDelivery();
    }

    private void scheduleDelivery() {
        if (!deliveryScheduled) {
            deliveryScheduled = true;
            eventLoop().execute(deliverTask);
        }
    }

    private void deliver() {
        deliveryScheduled = false;
        if (!open || !readRequested || inbound.isEmpty()) {
            return;
        }
        readRequested = false;
        ChannelPipeline pipeline = pipeline();
        do {
            pipeline.fireChannelRead(inbound.poll());
        } while (open && !inbound.isEmpty() && config.isAutoRead());
        pipeline.fireChannelReadComplete();
    }

    @Override
    protected AbstractUnsafe newUnsafe() {
        return new AbstractUnsafe() {
            @Override
            public void connect(SocketAddress remote, SocketAddress local, ChannelPromise promise) {
                promise.setFailure(new UnsupportedOperationException("a pipe end is connected when created"));
            }
        };
    }
}
