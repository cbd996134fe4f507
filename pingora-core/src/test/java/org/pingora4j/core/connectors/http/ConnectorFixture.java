package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import org.pingora4j.core.connectors.http.v1.Http1Internals;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.pingora4j.core.protocols.Digest;
import org.pingora4j.core.upstreams.HttpPeer;

/** Client event loops and blocking helpers for connector tests (the test thread may block; loops never do). */
final class ConnectorFixture implements AutoCloseable {

    /** One finished exchange. */
    record Result(HttpResponse head, String body, Digest digest, String notReusableReason, Http1ClientSession session) {
        int status() {
            return head.status().code();
        }
    }

    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());

    EventLoop loop() {
        return group.next();
    }

    static <T> T await(CompletableFuture<T> future) throws Exception {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    static HttpRequest get(String path, String host) {
        HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        request.headers().set(HttpHeaderNames.HOST, host);
        return request;
    }

    /** Sends {@code request}, reads the whole response, releases the session, and waits until released. */
    Result exchange(HttpConnector connector, HttpPeer peer, HttpRequest request) throws Exception {
        return exchange(connector, peer, request, loop());
    }

    Result exchange(HttpConnector connector, HttpPeer peer, HttpRequest request, EventLoop callerLoop) throws Exception {
        Http1ClientSession session = await(connector.getHttpSession(peer, callerLoop));
        await(session.writeRequestHeader(request, true));
        HttpResponse head = await(session.readResponseHeader());
        String body = readBody(session);
        String reason = onLoop(session.eventLoop(), session::notReusableReason);
        connector.releaseHttpSession(session);
        onLoop(session.eventLoop(), () -> null);
        return new Result(head, body, session.digest(), reason, session);
    }

    Result exchange(HttpConnector connector, HttpPeer peer) throws Exception {
        return exchange(connector, peer, get("/", peer.address()));
    }

    static String readBody(Http1ClientSession session) throws Exception {
        StringBuilder body = new StringBuilder();
        while (true) {
            HttpContent content = await(session.readResponseBody());
            try {
                body.append(content.content().toString(StandardCharsets.UTF_8));
                if (content instanceof LastHttpContent) {
                    return body.toString();
                }
            } finally {
                content.release();
            }
        }
    }

    /** Waits until the connection behind {@code session} is closed and its close was processed. */
    static void awaitClosed(Http1ClientSession session) throws Exception {
        io.netty.channel.Channel channel = Http1Internals.channel(session);
        if (!channel.closeFuture().await(10, TimeUnit.SECONDS)) {
            throw new AssertionError("the upstream connection was not closed within 10 s");
        }
        // Netty completes the close future before it queues the inactive event, so one hop onto the
        // loop may run ahead of the idle watcher; a task queued by a task that ran after the close
        // runs after the inactive event.
        EventLoop loop = session.eventLoop();
        onLoop(loop, () -> loop.submit(() -> null)).get(10, TimeUnit.SECONDS);
    }

    static <T> T onLoop(EventLoop loop, java.util.concurrent.Callable<T> task)
            throws InterruptedException, ExecutionException, TimeoutException {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
