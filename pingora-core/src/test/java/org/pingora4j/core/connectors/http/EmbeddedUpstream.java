package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.connectors.Established;
import org.pingora4j.core.protocols.TimingDigest;
import org.pingora4j.core.testing.ManualClock;
import org.pingora4j.core.upstreams.HttpPeer;
import org.pingora4j.core.upstreams.PeerOptions;

/**
 * An upstream connection on an {@link EmbeddedChannel}, with the connector's real pipeline and
 * pool: the test is the origin (it feeds response bytes), decides when writes complete (through a
 * {@link WriteGate}) and moves the loop's clock by hand. Everything runs on the test thread, in the
 * order the test says, so lifecycle races become plain sequences.
 */
final class EmbeddedUpstream implements AutoCloseable {

    final HttpConnector connector;
    final WriteGate gate = new WriteGate();
    final EmbeddedChannel channel = new EmbeddedChannel(gate);
    final HttpPeer peer;
    final Http1ClientSession session;

    EmbeddedUpstream(UnaryOperator<PeerOptions.Builder> options) {
        this(newConnector(), new HttpPeer("127.0.0.1:8080", false, "").withOptions(options));
    }

    EmbeddedUpstream() {
        this(o -> o);
    }

    /** A connection that the pool files under {@code peer}, e.g. a real origin's. */
    EmbeddedUpstream(HttpPeer peer) {
        this(newConnector(), peer);
    }

    /** A second connection to the same peer, in the same connector (and pool) as {@code first}. */
    EmbeddedUpstream(EmbeddedUpstream first) {
        this(first.connector, first.peer);
    }

    private EmbeddedUpstream(HttpConnector connector, HttpPeer peer) {
        this.connector = connector;
        this.peer = peer;
        channel.freezeTime();
        Established established = new Established(channel,
                new TimingDigest(Instant.now(), Duration.ZERO, Duration.ZERO), null, null);
        session = connector.adopt(established, peer);
    }

    private static HttpConnector newConnector() {
        ManualClock clock = new ManualClock();
        return HttpConnector.builder(new ConnectorOptions(128)).ticker(clock).scheduler(clock).build();
    }

    /** Delivers {@code bytes} from the origin, as one socket read. */
    void receive(String bytes) {
        receive(Unpooled.copiedBuffer(bytes, StandardCharsets.ISO_8859_1));
    }

    void receive(ByteBuf bytes) {
        channel.writeInbound(bytes);
    }

    /** Moves the loop's clock and runs the timers that became due. */
    void advance(Duration duration) {
        channel.advanceTimeBy(duration.toNanos(), TimeUnit.NANOSECONDS);
        channel.runScheduledPendingTasks();
        channel.runPendingTasks();
    }

    /** Gives the session back; the embedded loop runs it at once. */
    boolean release() throws Exception {
        CompletableFuture<Boolean> pooled = connector.releaseHttpSession(session);
        channel.runPendingTasks();
        return pooled.getNow(null);
    }

    String notReusableReason() {
        return session.notReusableReason();
    }

    @Override
    public void close() {
        connector.close();
        channel.finishAndReleaseAll();
    }
}
