package org.pingora4j.core.connectors.http;

import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import org.pingora4j.core.connectors.http.v1.Http1Internals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.pingora4j.core.connectors.http.ConnectorFixture.await;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.HttpPeer;

/** When a connection goes back to the pool, and when it must not. */
final class HttpConnectorReleaseTest {

    private final ConnectorFixture fixture = new ConnectorFixture();
    private final HttpConnector connector = new HttpConnector(new ConnectorOptions(128));

    @AfterEach
    void tearDown() {
        connector.close();
        fixture.close();
    }

    private static HttpPeer peer(TestOrigin origin) {
        return new HttpPeer(origin.address(), false, "");
    }

    @Test
    void responseConnectionCloseIsNotReused() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK, "bye", "Connection", "close"));
            ConnectorFixture.Result first = fixture.exchange(connector, peer(origin));
            ConnectorFixture.Result second = fixture.exchange(connector, peer(origin));
            assertEquals("response said Connection: close", first.notReusableReason());
            assertFalse(second.digest().reused());
            assertEquals(2, origin.accepted());
            assertEquals(2, connector.stats().notReusable());
        }
    }

    @Test
    void requestConnectionCloseIsNotReused() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            HttpRequest request = ConnectorFixture.get("/", "x");
            request.headers().set(HttpHeaderNames.CONNECTION, "close");
            ConnectorFixture.Result first = fixture.exchange(connector, peer(origin), request);
            assertEquals("request said Connection: close", first.notReusableReason());
            assertFalse(fixture.exchange(connector, peer(origin)).digest().reused());
        }
    }

    @Test
    void unreadBodyIsNotReused() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK, "x".repeat(100_000)));
            Http1ClientSession session = await(connector.getHttpSession(peer(origin), fixture.loop()));
            await(session.writeRequestHeader(ConnectorFixture.get("/", "x"), true));
            assertEquals(200, await(session.readResponseHeader()).status().code());
            assertEquals("response not fully read", ConnectorFixture.onLoop(session.eventLoop(), session::notReusableReason));
            connector.releaseHttpSession(session);
            ConnectorFixture.awaitClosed(session);
            ConnectorFixture.Result next = fixture.exchange(connector, peer(origin));
            assertFalse(next.digest().reused());
            assertEquals(2, origin.accepted());
        }
    }

    @Test
    void connectionTheOriginClosesWhileIdleLeavesThePool() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            ConnectorFixture.Result first = fixture.exchange(connector, peer(origin));
            assertEquals(1, connector.stats().pool().idle());
            origin.closeClientConnections();
            ConnectorFixture.awaitClosed(first.session());
            assertEquals(0, connector.stats().pool().idle());
            assertEquals(1, connector.stats().idleClosed());

            ConnectorFixture.Result second = fixture.exchange(connector, peer(origin));
            assertEquals(200, second.status());
            assertFalse(second.digest().reused());
            assertEquals(0, connector.stats().staleOnCheckout());
        }
    }

    @Test
    void bytesArrivingOnAnIdleConnectionTakeItOut() throws Exception {
        AtomicReference<ChannelHandlerContext> server = new AtomicReference<>();
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                server.set(ex.ctx());
                ex.reply(HttpResponseStatus.OK, "hello");
            });
            ConnectorFixture.Result first = fixture.exchange(connector, peer(origin));
            assertEquals(1, connector.stats().pool().idle());
            TestOrigin.writeRawTo(server.get().channel(), "HTTP/1.1 200 OK\r\n");
            ConnectorFixture.awaitClosed(first.session());
            assertEquals(0, connector.stats().pool().idle());
            assertEquals(1, connector.stats().idleClosed());
        }
    }

    @Test
    void bytesBeyondTheResponseMakeItUnreusable() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.writeRaw("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200"));
            ConnectorFixture.Result first = fixture.exchange(connector, peer(origin));
            assertEquals("ok", first.body());
            assertEquals("bytes received beyond the response", first.notReusableReason());
            assertEquals(0, connector.stats().pool().idle());
        }
    }

    @Test
    void http10WithoutKeepAliveIsNotReusedButWithItIs() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.writeRaw("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"));
            assertEquals("HTTP/1.0 response without keep-alive", fixture.exchange(connector, peer(origin)).notReusableReason());

            origin.responder(ex -> ex.writeRaw("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok"));
            assertNull(fixture.exchange(connector, peer(origin)).notReusableReason());
            assertTrue(fixture.exchange(connector, peer(origin)).digest().reused());
        }
    }

    @Test
    void closeDelimitedBodyIsReadToTheEndAndNotReused() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                ex.writeRaw("HTTP/1.1 200 OK\r\n\r\nuntil the end");
                ex.ctx().close();
            });
            ConnectorFixture.Result result = fixture.exchange(connector, peer(origin));
            assertEquals("until the end", result.body());
            assertEquals("close-delimited response body", result.notReusableReason());
            assertEquals(0, connector.stats().pool().idle());
        }
    }

    @Test
    void aCloseDelimitedHeadVetoesReuseBeforeTheBodyEnds() throws Exception {
        AtomicReference<ChannelHandlerContext> server = new AtomicReference<>();
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                server.set(ex.ctx());
                ex.writeRaw("HTTP/1.1 200 OK\r\n\r\nmore to come");
            });
            Http1ClientSession session = await(connector.getHttpSession(peer(origin), fixture.loop()));
            await(session.writeRequestHeader(ConnectorFixture.get("/", "x"), true));
            assertEquals(200, await(session.readResponseHeader()).status().code());
            // The connection is open and the body not over: the head alone says "never reuse".
            assertTrue(Http1Internals.channel(session).isActive());
            assertEquals("close-delimited response body", ConnectorFixture.onLoop(session.eventLoop(), session::notReusableReason));
            assertFalse(await(connector.releaseHttpSession(session)));
            ConnectorFixture.awaitClosed(session);
            assertEquals(0, connector.stats().pool().idle());
        }
    }

    @Test
    void headResponseHasNoBodyAndTheConnectionIsReused() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> {
                // Content-Length announces 5 bytes that a response to HEAD never carries: a client
                // that forgot its request was HEAD would wait for them forever.
                var response = TestOrigin.response(HttpResponseStatus.OK, "");
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 5);
                ex.ctx().writeAndFlush(response);
            });
            HttpRequest head = ConnectorFixture.get("/", "x");
            head.setMethod(HttpMethod.HEAD);
            ConnectorFixture.Result result = fixture.exchange(connector, peer(origin), head);
            assertEquals("", result.body());
            assertNull(result.notReusableReason());
            origin.responder(TestOrigin.HELLO);
            ConnectorFixture.Result next = fixture.exchange(connector, peer(origin));
            assertTrue(next.digest().reused());
            assertEquals("hello", next.body());
        }
    }

    @Test
    void informationalResponsesComeFirstThenTheFinalOne() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.writeRaw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
            Http1ClientSession session = await(connector.getHttpSession(peer(origin), fixture.loop()));
            await(session.writeRequestHeader(ConnectorFixture.get("/", "x"), true));
            HttpResponse interim = await(session.readResponseHeader());
            assertEquals(100, interim.status().code());
            HttpResponse last = await(session.readResponseHeader());
            assertEquals(200, last.status().code());
            assertEquals("ok", ConnectorFixture.readBody(session));
            assertNull(ConnectorFixture.onLoop(session.eventLoop(), session::notReusableReason));
            connector.releaseHttpSession(session);
        }
    }

    @Test
    void changingTheResponseHeadAfterReadingItDoesNotChangeReuse() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            Http1ClientSession session = await(connector.getHttpSession(peer(origin), fixture.loop()));
            await(session.writeRequestHeader(ConnectorFixture.get("/", "x"), true));
            HttpResponse head = await(session.readResponseHeader());
            // What a proxy does to the head it forwards to a client that asked to close.
            head.headers().set(HttpHeaderNames.CONNECTION, "close");
            assertEquals("hello", ConnectorFixture.readBody(session));
            assertNull(ConnectorFixture.onLoop(session.eventLoop(), session::notReusableReason));
            assertTrue(await(connector.releaseHttpSession(session)));
            assertTrue(fixture.exchange(connector, peer(origin)).digest().reused());
        }
    }

    @Test
    void aSessionThatSentNothingMayBeReleasedForReuse() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            fixture.exchange(connector, peer(origin));
            Http1ClientSession unused = await(connector.getHttpSession(peer(origin), fixture.loop()));
            assertTrue(unused.reused());
            connector.releaseHttpSession(unused);
            ConnectorFixture.onLoop(unused.eventLoop(), () -> null);
            assertTrue(fixture.exchange(connector, peer(origin)).digest().reused());
            assertEquals(1, origin.accepted());
        }
    }
}
