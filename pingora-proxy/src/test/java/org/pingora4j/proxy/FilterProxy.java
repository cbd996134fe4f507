package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.protocols.http.ResponseHeader;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * A proxy to one plain upstream whose filters a test sets: the request is forwarded as the client
 * sent it (no Host override), so tests see exactly what the proxy's own rules do to it.
 */
class FilterProxy implements ProxyHttp<Void> {

    private final String upstream;
    Function<Session, CompletionStage<Boolean>> requestFilter = session -> CONTINUE;
    Consumer<ResponseHeader> responseFilter = header -> { };
    BiFunction<ByteBuf, Boolean, ByteBuf> responseBodyFilter = (data, last) -> data;
    final CopyOnWriteArrayList<String> hostsSeen = new CopyOnWriteArrayList<>();
    final CopyOnWriteArrayList<PingoraException> errors = new CopyOnWriteArrayList<>();
    /** Released once per logging call, the last phase of every request. */
    final Semaphore logged = new Semaphore(0);

    FilterProxy(String upstream) {
        this.upstream = upstream;
    }

    @Override
    public Void newCtx() {
        return null;
    }

    @Override
    public CompletionStage<Boolean> requestFilter(Session session, Void ctx) {
        hostsSeen.add(String.valueOf(session.reqHeader().host()));
        return requestFilter.apply(session);
    }

    @Override
    public CompletionStage<HttpPeer> upstreamPeer(Session session, Void ctx) {
        return CompletableFuture.completedStage(new HttpPeer(upstream, false, ""));
    }

    @Override
    public CompletionStage<Void> responseFilter(Session session, ResponseHeader upstreamResponse, Void ctx) {
        responseFilter.accept(upstreamResponse);
        return DONE;
    }

    @Override
    public ByteBuf responseBodyFilter(Session session, ByteBuf body, boolean endOfStream, Void ctx) {
        return responseBodyFilter.apply(body, endOfStream);
    }

    @Override
    public void logging(Session session, PingoraException error, Void ctx) {
        if (error != null) {
            errors.add(error);
        }
        logged.release();
    }

    /** Waits until {@code requests} requests ran their logging phase. */
    void awaitLogged(int requests) throws InterruptedException {
        if (!logged.tryAcquire(requests, 10, TimeUnit.SECONDS)) {
            throw new AssertionError("requests not finished within 10 s");
        }
    }
}
