package org.pingora4j.core.connectors.http.v1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.protocols.http.ClientSession;
import org.pingora4j.core.upstreams.HttpPeer;

/*
 * Design note (size). This file is long because it is one state machine: what of the request
 * reached the socket, what of the response was decoded and handed on, and from both, whether the
 * connection may be pooled (notReusableReason). The pull API (a future per part, for callers that
 * want one) and the push API (the proxy's) are two drivers of that same state; splitting them into
 * classes would either copy the reuse judgement or expose every field to both. The parts that are
 * not that state live elsewhere: the reuse veto of a response head (ReuseVeto), error classification
 * (UpstreamReadErrors), keep-alive parsing (KeepAliveHeader), the pipeline glue (SessionBridge).
 * Confinement: every field is touched on the connection's event loop only.
 */

/**
 * One request/response exchange with an upstream over HTTP/1.1, on a new or pooled connection.
 * Mirrors pingora's HTTP/1.x client {@code HttpSession} ({@code protocols/http/v1/client.rs}).
 *
 * <p>Streaming with back-pressure both ways: each write completes when its bytes reached the
 * socket, and the connection reads from the socket only while a read is asked for (auto-read is
 * off), so a slow consumer holds at most one socket read in memory. Every method may be called from
 * any thread; the work runs on the connection's event loop and the returned futures complete there.
 * One read and any number of writes may be outstanding at a time.
 *
 * <p>Failures are {@link PingoraException}s. A failure before any response byte arrived (EOF, reset,
 * write error) is {@link RetryType#REUSED_ONLY}: on a {@linkplain #reused() reused} connection it is
 * what a connection the origin closed while pooled looks like, and the request can be retried on a
 * fresh one (pingora's rule).
 *
 * <p>Two ways to drive it. <b>Pull</b>: {@link #readResponseHeader} and {@link #readResponseBody}
 * return a future per part, and the request is written with {@link #writeRequestHeader} and
 * {@link #writeRequestBody}. <b>Push</b>, the proxy's way (Netty's own idiom: read, write, read
 * more): {@link #streamResponse} hands each part to a {@link ResponseListener} as the connection
 * decodes it, reading on until the response ends or {@link #pauseResponse} is called;
 * {@link #sendRequestHead}, {@link #sendRequestBody} and {@link #flush} write without a future
 * each, and failures of those writes reach the listener.
 *
 * <p>Give the session back with {@link org.pingora4j.core.connectors.http.HttpConnector#releaseHttpSession}: the connection returns to
 * the pool only if {@link #notReusableReason()} is null.
 */
public final class Http1ClientSession implements ClientSession {

    private final UpstreamConnection connection;
    private final Digest digest;
    /** The peer of the request being served: see {@link #peer()}. */
    private final HttpPeer peer;
    private final EventLoop loop;
    private final ArrayDeque<HttpObject> inbound = new ArrayDeque<>();

    // All below: confined to loop.
    private boolean requestStarted;
    /** The last part of the request was handed to the channel; nothing more may be written. */
    private boolean requestEnded;
    /** The last part of the request reached the socket: its write completed successfully. */
    private boolean requestWritten;
    private boolean headRequest;
    private boolean requestWantsClose;
    private HttpResponse response;
    private KeepAliveHeader keepAlive = KeepAliveHeader.ABSENT;
    private String responseReuseVeto;
    private boolean interimPending;
    private boolean responseDone;
    private boolean bodyEndDelivered;
    private boolean anyResponseByte;
    private boolean overRead;
    private CompletableFuture<HttpResponse> headerWaiter;
    private CompletableFuture<HttpContent> bodyWaiter;
    private ResponseListener listener;
    private boolean paused;
    private boolean delivering;
    private boolean readPending;
    private ScheduledFuture<?> readTimer;
    /** When the current read wait began, or the last response bytes came: on the loop's ticker. */
    private long readWaitStarted;
    private PingoraException failure;
    private boolean released;
    /** The request asked to upgrade (RFC 9110 §7.8): a 101 to it may take the connection out of HTTP. */
    private boolean requestUpgrade;
    /** The new protocol's bytes that arrived after a 101 to an upgrade, until the switch takes them. */
    private ArrayDeque<ByteBuf> switchedBytes;
    private boolean switched;

    Http1ClientSession(UpstreamConnection connection, Digest digest, HttpPeer peer) {
        this.connection = connection;
        this.digest = digest;
        this.peer = peer;
        this.loop = connection.loop;
    }

    /** Returns the connection's digest; {@code digest().reused()} says whether it came from the pool. */
    @Override
    public Digest digest() {
        return digest;
    }

    /** Returns whether the connection was taken from the pool rather than established for this request. */
    @Override
    public boolean reused() {
        return digest.reused();
    }

    /**
     * Returns the peer of the request this session serves: its read and write timeouts apply to
     * this session, and its idle timeout to the connection's next stay in the pool, even when the
     * connection was opened for another peer of the same reuse key (as pingora applies the current
     * peer's options to a reused stream).
     */
    @Override
    public HttpPeer peer() {
        return peer;
    }

    /** Returns the event loop the connection lives on; the futures complete there. */
    @Override
    public EventLoop eventLoop() {
        return loop;
    }

    /**
     * Sends the request head, and ends the request if {@code endOfStream} (no body). A
     * {@link FullHttpRequest} is sent whole and always ends the request. Mirrors pingora's
     * {@code write_request_header}.
     */
    public CompletableFuture<Void> writeRequestHeader(HttpRequest request, boolean endOfStream) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        onLoop(() -> doWriteHeader(request, endOfStream, true, done), request, done);
        return done;
    }

    /**
     * Sends a chunk of the request body, taking ownership of {@code data}; ends the request if
     * {@code endOfStream}. The future completes when the bytes reached the socket: wait for it
     * before sending more to keep memory bounded. Mirrors pingora's {@code write_body}.
     */
    public CompletableFuture<Void> writeRequestBody(ByteBuf data, boolean endOfStream) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        onLoop(() -> doWriteBody(data, endOfStream, true, done), data, done);
        return done;
    }

    /**
     * Reads the next response head. An informational (1xx, except 101) head is returned as such;
     * read again for the final one. Mirrors pingora's {@code read_response}.
     */
    public CompletableFuture<HttpResponse> readResponseHeader() {
        CompletableFuture<HttpResponse> done = new CompletableFuture<>();
        onLoop(() -> doReadHeader(done), null, done);
        return done;
    }

    /**
     * Reads the next part of the response body; the caller owns (and must release) it. A
     * {@link LastHttpContent} ends the body; reads after that return an empty one. Mirrors pingora's
     * {@code read_body_bytes}.
     */
    public CompletableFuture<HttpContent> readResponseBody() {
        CompletableFuture<HttpContent> done = new CompletableFuture<>();
        onLoop(() -> doReadBody(done), null, done);
        return done;
    }

    /**
     * Streams the response to {@code listener} (push mode): from now on each decoded part goes to it
     * as it arrives, and the connection reads on until the response ends, fails, or is paused. Call
     * on the session's event loop, after the request head was sent.
     */
    @Override
    public void streamResponse(ResponseListener listener) {
        assert loop.inEventLoop();
        if (this.listener != null || headerWaiter != null || bodyWaiter != null) {
            throw new IllegalStateException("the response is already being read");
        }
        this.listener = listener;
        if (failure != null) {
            ResponseListener l = listener;
            this.listener = null;
            l.onFailure(failure);
            return;
        }
        deliver();
        demand();
    }

    /**
     * Stops handing parts to the listener, and reading, until {@link #resumeResponse}: the consumer
     * cannot take more now (a client that does not read, a phase still running). Parts already
     * decoded wait in the session. On the session's event loop.
     */
    @Override
    public void pauseResponse() {
        assert loop.inEventLoop();
        paused = true;
    }

    /** Hands on what waited, and reads on. On the session's event loop. */
    @Override
    public void resumeResponse() {
        assert loop.inEventLoop();
        if (!paused) {
            return;
        }
        paused = false;
        deliver();
        demand();
    }

    /**
     * Writes the request head (push mode), flushed only if {@code flush}; ends the request if
     * {@code endOfStream}. A failure goes to the {@link ResponseListener}, which must already be
     * set. On the session's event loop.
     */
    @Override
    public void sendRequestHead(HttpRequest request, boolean endOfStream, boolean flush) {
        assert loop.inEventLoop();
        doWriteHeader(request, endOfStream, flush, null);
    }

    /**
     * Writes a piece of the request body (push mode), taking ownership of {@code data}; flushed
     * only if {@code flush}. After a write that leaves the connection {@linkplain #isWritable()
     * unwritable}, wait for {@link ResponseListener#onWritable}. On the session's event loop.
     */
    @Override
    public void sendRequestBody(ByteBuf data, boolean endOfStream, boolean flush) {
        assert loop.inEventLoop();
        doWriteBody(data, endOfStream, flush, null);
    }

    /** Sends what the push-mode writes left unflushed. On the session's event loop. */
    @Override
    public void flush() {
        assert loop.inEventLoop();
        if (!released && failure == null) {
            connection.channel.flush();
        }
    }

    /**
     * Returns the bytes written to the connection that wait to be sent (Netty's count, with each
     * queued write's overhead). Any thread: a racy read, for accounting.
     */
    @Override
    public long pendingWriteBytes() {
        ChannelOutboundBuffer outbound = connection.channel.unsafe().outboundBuffer();
        return outbound == null ? 0 : outbound.totalPendingWriteBytes();
    }

    /** Returns whether the connection takes writes without queueing past its high water mark. */
    @Override
    public boolean isWritable() {
        return connection.channel.isWritable();
    }

    @Override
    public String protocol() {
        return "HTTP/1.1";
    }

    @Override
    public Http1ClientSession asHttp1() {
        return this;
    }

    /** Returns the final response head once read, or null. */
    public HttpResponse responseHeader() {
        return response;
    }

    /**
     * Returns why the connection must not go back to the pool, or null if it may. Mirrors pingora's
     * {@code respect_keepalive} and {@code reuse}: the request was fully sent and the response fully
     * received, without error, upgrade, {@code Connection: close} (either way), HTTP/1.0 without
     * keep-alive, a close-delimited body, or bytes beyond the response. Call on the event loop.
     */
    public String notReusableReason() {
        assert loop.inEventLoop();
        if (failure != null) {
            return "failed: " + failure.type();
        }
        if (switched) {
            return "switched protocols";
        }
        if (responseReuseVeto != null) {
            // Judged from the head alone, so it holds whatever happened next; it comes first because
            // it names the cause (a close-delimited body, for one, always ends with the connection
            // closed).
            return responseReuseVeto;
        }
        if (connection.dead || !connection.channel.isActive()) {
            return "connection closed";
        }
        if (!requestStarted) {
            return null;
        }
        if (!requestWritten) {
            // Ended is not enough: a write still in flight would land on whoever takes the
            // connection next.
            return "request not fully sent";
        }
        if (response == null || !responseDone) {
            return "response not fully read";
        }
        if (overRead || connection.decoder.bufferedBytes() > 0) {
            return "bytes received beyond the response";
        }
        if (requestWantsClose) {
            return "request said Connection: close";
        }
        return null;
    }

    // ---- switching protocols (101) ------------------------------------------------------------------

    /**
     * Takes the connection out of HTTP once the origin answered {@code 101} to a request that asked
     * to upgrade: no HTTP handler is left on it, nothing more is delivered to the listener, and the
     * session can only be released, which closes the connection. Any thread. The caller pauses the
     * response ({@link #pauseResponse}) when the 101 head reaches it; the switch then runs in a task
     * of its own on the connection's event loop, after the read that brought the 101 has been
     * dispatched whole (the same read may carry the new protocol's first bytes), and the future
     * completes there.
     *
     * @return the channel and the new protocol's bytes that came with the 101; fails with
     *         {@link IllegalStateException} if there is no 101 to an upgrade request to switch on
     */
    public CompletableFuture<SwitchedConnection> switchProtocols() {
        CompletableFuture<SwitchedConnection> done = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                if (!mayTakeSwitchedBytes()) {
                    done.completeExceptionally(new IllegalStateException(
                            "no 101 answer to a request that asked to upgrade, or the session is over"));
                    return;
                }
                listener = null;
                cancelReadTimer();
                releaseInbound(); // the empty end Netty's decoder makes of a 101
                // Removing the decoder hands what it still held to the bridge, which keeps it here.
                SwitchedPipeline.strip(connection.channel.pipeline());
                switched = true;
                ArrayDeque<ByteBuf> early = switchedBytes == null ? new ArrayDeque<>() : switchedBytes;
                switchedBytes = null;
                done.complete(new SwitchedConnection(connection.channel, List.copyOf(early)));
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(PingoraException.internal(ErrorType.INTERNAL_ERROR,
                    "the upstream event loop is shut down", e));
        }
        return done;
    }

    /** Bytes past a 101 that answered an upgrade request belong to the new protocol: they wait for the switch. */
    boolean mayTakeSwitchedBytes() {
        return requestUpgrade && !switched && response != null && response.status().code() == 101
                && failure == null && !released;
    }

    /** A piece of the new protocol read after the 101 (see {@link #switchProtocols}). On the loop. */
    void onSwitchedBytes(ByteBuf bytes) {
        if (switchedBytes == null) {
            switchedBytes = new ArrayDeque<>(2);
        }
        switchedBytes.add(bytes);
    }

    // ---- package-private, for the connector and the pipeline -------------------------------------

    boolean requestStarted() {
        return requestStarted;
    }

    boolean isHeadRequest() {
        return headRequest;
    }

    KeepAliveHeader keepAlive() {
        return keepAlive;
    }

    UpstreamConnection connection() {
        return connection;
    }

    /**
     * Marks the session given back: drops what the caller did not read and fails the read it still
     * waits for. From now on its timers and write listeners leave the connection alone, which may be
     * pooled or serving another session. Returns false if it already was released.
     */
    boolean markReleased() {
        assert loop.inEventLoop();
        if (released) {
            return false;
        }
        released = true;
        listener = null;
        cancelReadTimer();
        releaseInbound();
        if (switchedBytes != null) {
            switchedBytes.forEach(ReferenceCountUtil::release);
            switchedBytes = null;
        }
        if (headerWaiter != null || bodyWaiter != null) {
            // Built only when someone waits: an exception's stack trace costs more than the rest of a release.
            failWaiters(new IllegalStateException("the session was released while a read was pending"));
        }
        return true;
    }

    void onResponseBytes() {
        anyResponseByte = true;
    }

    void onMessage(HttpObject message) {
        readWaitStarted = loop.ticker().nanoTime();
        if (message.decoderResult().isFailure()) {
            ReferenceCountUtil.release(message);
            fail(UpstreamReadErrors.decode(message.decoderResult().cause(), retryBeforeResponse(), peer));
            return;
        }
        if (failure != null || released || responseDone) {
            if (responseDone) {
                overRead = true;
            }
            ReferenceCountUtil.release(message);
            return;
        }
        if (message instanceof HttpResponse head) {
            int code = head.status().code();
            if (code >= 100 && code < 200 && code != 101) {
                interimPending = true;
            } else {
                response = head;
                keepAlive = KeepAliveHeader.parse(head.headers());
                // Judged now, from the head as the upstream sent it: callers may change the head
                // they get (a proxy forwards it), which must not change what the connection is.
                responseReuseVeto = ReuseVeto.of(head, headRequest);
            }
        } else if (message instanceof LastHttpContent && interimPending) {
            // The empty end of an informational response: nothing for the caller.
            interimPending = false;
            ReferenceCountUtil.release(message);
            return;
        }
        if (message instanceof LastHttpContent && response != null) {
            responseDone = true;
        }
        inbound.add(message);
        deliver();
    }

    void onReadComplete() {
        readPending = false;
        deliver();
        ResponseListener l = listener;
        if (l != null && !paused) {
            l.onReadComplete();
        }
        demand();
    }

    void onWritabilityChanged() {
        ResponseListener l = listener;
        if (l != null && failure == null && connection.channel.isWritable()) {
            l.onWritable();
        }
    }

    void onClosed() {
        if (responseDone || failure != null) {
            return;
        }
        fail(PingoraException.upstream(ErrorType.CONNECTION_CLOSED, retryBeforeResponse(),
                (anyResponseByte ? "upstream closed the connection mid-response (" : "upstream closed the connection before responding (")
                        + peer + ", " + describeConnection() + ")", null));
    }

    void onError(Throwable cause) {
        if (failure == null) {
            fail(UpstreamReadErrors.classify(cause, retryBeforeResponse(), peer, describeConnection()));
        }
    }

    void failUnexpectedData() {
        fail(PingoraException.upstream(ErrorType.H1_ERROR, RetryType.NO,
                "upstream sent data before the request (" + peer + ")", null));
    }

    // ---- the work, on the loop -------------------------------------------------------------------

    private void doWriteHeader(HttpRequest request, boolean endOfStream, boolean flush, CompletableFuture<Void> done) {
        if (rejectIfUnusable(request, done)) {
            return;
        }
        if (requestStarted) {
            ReferenceCountUtil.release(request);
            IllegalStateException misuse = new IllegalStateException("the request head was already written");
            if (done == null) {
                throw misuse;
            }
            done.completeExceptionally(misuse);
            return;
        }
        requestStarted = true;
        headRequest = HttpMethod.HEAD.equals(request.method());
        requestWantsClose = request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true);
        requestUpgrade = request.headers().contains(HttpHeaderNames.UPGRADE)
                && request.headers().containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true);
        boolean full = request instanceof FullHttpRequest;
        requestEnded = endOfStream || full;
        ChannelFuture write;
        if (endOfStream && !full) {
            connection.channel.write(request, connection.channel.voidPromise());
            write = send(LastHttpContent.EMPTY_LAST_CONTENT, flush);
        } else {
            write = send(request, flush);
        }
        track(write, done, requestEnded);
    }

    private void doWriteBody(ByteBuf data, boolean endOfStream, boolean flush, CompletableFuture<Void> done) {
        if (rejectIfUnusable(data, done)) {
            return;
        }
        if (!requestStarted || requestEnded) {
            data.release();
            IllegalStateException misuse = new IllegalStateException(
                    requestStarted ? "the request body already ended" : "write the request head first");
            if (done == null) {
                throw misuse;
            }
            done.completeExceptionally(misuse);
            return;
        }
        requestEnded = endOfStream;
        HttpContent content = endOfStream ? new DefaultLastHttpContent(data) : new DefaultHttpContent(data);
        track(send(content, flush), done, endOfStream);
    }

    private ChannelFuture send(Object message, boolean flush) {
        return flush ? connection.channel.writeAndFlush(message) : connection.channel.write(message);
    }

    private void doReadHeader(CompletableFuture<HttpResponse> done) {
        if (!checkReadable(done)) {
            return;
        }
        headerWaiter = done;
        deliver();
        demand();
    }

    private void doReadBody(CompletableFuture<HttpContent> done) {
        if (!checkReadable(done)) {
            return;
        }
        if (response == null) {
            done.completeExceptionally(new IllegalStateException("read the response head first"));
            return;
        }
        if (bodyEndDelivered) {
            done.complete(LastHttpContent.EMPTY_LAST_CONTENT);
            return;
        }
        bodyWaiter = done;
        deliver();
        demand();
    }

    private boolean checkReadable(CompletableFuture<?> done) {
        forgetAbandonedWaiters();
        if (failure != null) {
            done.completeExceptionally(failure);
            return false;
        }
        if (released) {
            done.completeExceptionally(new IllegalStateException("the session was released"));
            return false;
        }
        if (!requestStarted) {
            done.completeExceptionally(new IllegalStateException("write the request head first"));
            return false;
        }
        if (headerWaiter != null || bodyWaiter != null || listener != null) {
            done.completeExceptionally(new IllegalStateException("a read is already outstanding"));
            return false;
        }
        return true;
    }

    /** A caller may cancel (or complete) a read's future: that read no longer waits for anything. */
    private void forgetAbandonedWaiters() {
        if (headerWaiter != null && headerWaiter.isDone()) {
            headerWaiter = null;
        }
        if (bodyWaiter != null && bodyWaiter.isDone()) {
            bodyWaiter = null;
        }
    }

    /**
     * Hands queued parts to whoever waits for them. A part whose waiter was cancelled meanwhile goes
     * back to the front of the queue: the next read gets it, and release frees it, so it is neither
     * lost from the stream nor leaked.
     */
    private void deliver() {
        if (listener != null) {
            push();
            return;
        }
        forgetAbandonedWaiters();
        HttpObject next = inbound.peek();
        if (next == null) {
            return;
        }
        if (headerWaiter != null) {
            if (next instanceof HttpResponse head) {
                inbound.poll();
                CompletableFuture<HttpResponse> waiter = headerWaiter;
                headerWaiter = null;
                if (!waiter.complete(head)) {
                    inbound.addFirst(head);
                }
            } else {
                CompletableFuture<HttpResponse> waiter = headerWaiter;
                headerWaiter = null;
                waiter.completeExceptionally(new IllegalStateException("the response head was already read"));
            }
        } else if (bodyWaiter != null && next instanceof HttpContent content) {
            inbound.poll();
            CompletableFuture<HttpContent> waiter = bodyWaiter;
            bodyWaiter = null;
            if (!waiter.complete(content)) {
                inbound.addFirst(content);
            } else if (content instanceof LastHttpContent) {
                bodyEndDelivered = true;
            }
        }
    }

    /**
     * Push mode: hands the listener every queued part until it pauses, the response ends, or the
     * session is released or fails (each of which a listener call may cause). Not re-entered: a
     * {@link #resumeResponse} from inside a listener call leaves the work to the loop already running.
     */
    private void push() {
        if (delivering) {
            return;
        }
        delivering = true;
        try {
            while (listener != null && !paused) {
                HttpObject next = inbound.poll();
                if (next == null) {
                    return;
                }
                ResponseListener l = listener;
                if (next instanceof HttpResponse head) {
                    int code = head.status().code();
                    if (code >= 100 && code < 200 && code != 101) {
                        ReferenceCountUtil.release(head); // interim: between this session and the origin
                        continue;
                    }
                    l.onResponseHead(head);
                } else if (next instanceof HttpContent content) {
                    boolean last = content instanceof LastHttpContent;
                    if (last) {
                        bodyEndDelivered = true;
                        listener = null; // nothing follows the end, not even a failure
                    }
                    l.onResponseBody(content, last);
                } else {
                    ReferenceCountUtil.release(next);
                }
            }
        } finally {
            delivering = false;
        }
    }

    /** Reads from the socket if someone waits and nothing is queued. */
    private void demand() {
        boolean wanted = headerWaiter != null || bodyWaiter != null || (listener != null && !paused);
        if (failure != null || released || readPending || !inbound.isEmpty() || !wanted) {
            return;
        }
        readPending = true;
        readWaitStarted = loop.ticker().nanoTime();
        armReadTimer();
        connection.channel.read();
    }

    /**
     * Starts the read timeout for the read in progress, once the whole request is written: while
     * the request body is still uploading (a slow client), the origin is right not to answer yet.
     */
    private void armReadTimer() {
        Duration timeout = peer.options().readTimeout();
        if (timeout == null || readTimer != null || !requestWritten || !readPending || released || failure != null) {
            return;
        }
        scheduleReadTimer(timeout, timeout.toNanos());
    }

    /*
     * One timer per exchange, not one per socket read: reads and response bytes only stamp
     * readWaitStarted; the timer, when it fires, re-arms itself for what is left of the period.
     */
    private void scheduleReadTimer(Duration timeout, long delayNanos) {
        readTimer = loop.schedule(() -> {
            readTimer = null;
            if (released || failure != null || responseDone || !readPending) {
                return; // not waiting for the origin now: the next read arms it again
            }
            long waited = loop.ticker().nanoTime() - readWaitStarted;
            if (waited < timeout.toNanos()) {
                scheduleReadTimer(timeout, timeout.toNanos() - waited);
                return;
            }
            fail(PingoraException.upstream(ErrorType.READ_TIMEDOUT, RetryType.NO,
                    "no bytes from upstream within " + timeout + " (" + peer + ")", null));
        }, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void cancelReadTimer() {
        if (readTimer != null) {
            readTimer.cancel(false);
            readTimer = null;
        }
    }

    /**
     * Completes {@code done} (if any: push mode reports failures to the listener) with {@code write},
     * bounded by the write timeout. {@code last}: the
     * write ends the request, which counts as sent (for reuse, and for the read timeout) only once it
     * completed. After release the outcome only completes {@code done}: the connection may already
     * serve someone else.
     */
    private void track(ChannelFuture write, CompletableFuture<Void> done, boolean last) {
        Duration timeout = peer.options().writeTimeout();
        ScheduledFuture<?> timer = timeout == null || write.isDone() ? null : loop.schedule(() -> {
            if (!released) {
                fail(PingoraException.upstream(ErrorType.WRITE_TIMEDOUT, RetryType.NO,
                        "write not done within " + timeout + " (" + peer + ")", null));
            }
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
        write.addListener(f -> {
            if (timer != null) {
                timer.cancel(false);
            }
            if (f.isSuccess()) {
                if (last && !released) {
                    requestWritten = true;
                    armReadTimer();
                }
                if (done != null) {
                    done.complete(null);
                }
                return;
            }
            if (released) {
                if (done != null) {
                    done.completeExceptionally(failure != null ? failure : PingoraException.upstream(ErrorType.WRITE_ERROR,
                            RetryType.NO, "write failed after the session was released (" + peer + ")", f.cause()));
                }
                return;
            }
            if (failure == null) {
                fail(PingoraException.upstream(ErrorType.WRITE_ERROR, retryBeforeResponse(),
                        "write failed (" + peer + ", " + describeConnection() + ")", f.cause()));
            }
            if (done != null) {
                done.completeExceptionally(failure);
            }
        });
    }

    private boolean rejectIfUnusable(Object message, CompletableFuture<?> done) {
        if (failure == null && !released) {
            return false;
        }
        ReferenceCountUtil.release(message);
        if (done != null) {
            done.completeExceptionally(failure != null ? failure : new IllegalStateException("the session was released"));
        }
        // Push mode: a failure already reached the listener; after release nobody listens.
        return true;
    }

    private void fail(PingoraException error) {
        if (failure != null || released) {
            // Released: the connection is the pool's or another session's now, not ours to close.
            return;
        }
        failure = error;
        connection.dead = true;
        cancelReadTimer();
        releaseInbound();
        failWaiters(error);
        ResponseListener l = listener;
        listener = null;
        if (l != null) {
            l.onFailure(error);
        }
        connection.channel.close();
    }

    private void failWaiters(Throwable error) {
        if (headerWaiter != null) {
            CompletableFuture<HttpResponse> waiter = headerWaiter;
            headerWaiter = null;
            waiter.completeExceptionally(error);
        }
        if (bodyWaiter != null) {
            CompletableFuture<HttpContent> waiter = bodyWaiter;
            bodyWaiter = null;
            waiter.completeExceptionally(error);
        }
    }

    private void releaseInbound() {
        for (HttpObject o = inbound.poll(); o != null; o = inbound.poll()) {
            ReferenceCountUtil.release(o);
        }
    }

    private RetryType retryBeforeResponse() {
        return anyResponseByte ? RetryType.NO : RetryType.REUSED_ONLY;
    }


    private String describeConnection() {
        return (digest.reused() ? "reused" : "new") + " connection, request " + digest.requestNumber();
    }

    /** Runs {@code work} on the loop; if the loop rejects it, fails {@code done} and drops {@code message}. */
    private void onLoop(Runnable work, Object message, CompletableFuture<?> done) {
        if (loop.inEventLoop()) {
            work.run();
            return;
        }
        try {
            loop.execute(work);
        } catch (RuntimeException e) {
            ReferenceCountUtil.release(message);
            done.completeExceptionally(PingoraException.internal(ErrorType.INTERNAL_ERROR,
                    "the upstream event loop is shut down", e));
        }
    }

    @Override
    public String toString() {
        return "Http1ClientSession(" + connection + ", reused=" + digest.reused() + ')';
    }
}
