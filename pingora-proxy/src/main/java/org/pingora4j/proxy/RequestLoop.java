package org.pingora4j.proxy;

import io.netty.channel.EventLoop;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.pingora4j.core.connectors.http.HttpConnector;
import org.pingora4j.core.protocols.http.ClientSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a request's continuations run: on its client connection's event loop, so that its state
 * needs no locks, and never throwing across the loop. A continuation that throws is a bug in the
 * state machine: it is logged and handed to {@code onBug}, which ends the request. If the loop was
 * shut down (the server is stopping), what a stage produced is given back instead of being lost: a
 * session to the connector, a buffer freed.
 */
final class RequestLoop {

    private static final Logger logger = LoggerFactory.getLogger(ProxyRequest.class);

    private final EventLoop loop;
    private final HttpConnector connector;
    private final Object request;
    private final Consumer<Throwable> onBug;

    /** {@code request} names the request in logs. */
    RequestLoop(EventLoop loop, HttpConnector connector, Object request, Consumer<Throwable> onBug) {
        this.loop = loop;
        this.connector = connector;
        this.request = request;
        this.onBug = onBug;
    }

    /** Runs {@code then} on the loop once {@code stage} completes. */
    <T> void then(CompletionStage<T> stage, BiConsumer<T, Throwable> then) {
        CompletableFuture<T> done = loop.inEventLoop() ? PhaseResults.completed(stage) : null;
        if (done != null) {
            // Already complete (the common case for a phase), and on the loop: continue inline.
            T value = null;
            Throwable error = null;
            try {
                value = done.join();
            } catch (CompletionException | CancellationException e) {
                error = e;
            }
            try {
                then.accept(value, error);
            } catch (RuntimeException | Error e) {
                logger.error("Bug in the proxy request state machine ({})", request, e);
                onBug.accept(e);
            }
            return;
        }
        stage.whenComplete((value, error) -> {
            if (!run(() -> then.accept(value, error))) {
                discard(value);
            }
        });
    }

    /** Runs {@code work} on the loop; returns false if the loop is shut down and will not. */
    boolean run(Runnable work) {
        Runnable guarded = () -> {
            try {
                work.run();
            } catch (RuntimeException | Error e) {
                logger.error("Bug in the proxy request state machine ({})", request, e);
                onBug.accept(e);
            }
        };
        if (loop.inEventLoop()) {
            guarded.run();
            return true;
        }
        try {
            loop.execute(guarded);
            return true;
        } catch (RejectedExecutionException e) {
            logger.debug("Event loop shut down under {}", request);
            return false;
        }
    }

    private void discard(Object value) {
        if (value instanceof ClientSession orphan) {
            connector.releaseSession(orphan);
        } else {
            ReferenceCountUtil.release(value);
        }
    }
}
