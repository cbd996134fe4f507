package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.TestOrigin;

/** The "Your first proxy" page's proxy, in front of a local plain-HTTP origin. */
final class MyFirstProxyTest {

    @Test
    void proxiesARequestToTheOrigin() throws Exception {
        try (TestOrigin origin = TestOrigin.plain();
             ExampleFixture fixture = new ExampleFixture(new MyFirstProxy(origin.address()))) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK,
                    "origin saw " + ex.request().uri()));

            String response = fixture.get("my.site.test", "/hello?x=1");

            assertTrue(response.startsWith("HTTP/1.1 200 OK"), response);
            assertTrue(response.endsWith("origin saw /hello?x=1"), response);
            assertEquals(1, origin.requests());
            assertEquals("my.site.test", origin.hosts().get(0), "the client's Host goes upstream unchanged");
        }
    }
}
