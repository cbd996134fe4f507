package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.pingora4j.proxy.hostile.RawOrigin.Want;

/** The net must be able to catch: the recording origin and the strict parser, without a proxy. */
final class RawOriginSelfTest {

    private static void sendDirect(RawOrigin origin, String bytes) throws Exception {
        int port = Integer.parseInt(origin.address().substring(origin.address().indexOf(':') + 1));
        try (RawClient client = new RawClient(port)) {
            client.send(bytes);
            client.shutdownOutput();
            client.readToEnd();
        }
    }

    @Test
    void anUnframedBodyThatIsARequestIsCaught() throws Exception {
        try (RawOrigin origin = new RawOrigin()) {
            sendDirect(origin, "POST /legit HTTP/1.1\r\nHost: x\r\n\r\n" + HostileRequestTest.SMUGGLE);
            AssertionFailedError e = assertThrows(AssertionFailedError.class,
                    () -> origin.assertNoSmuggledRequest(Want.of("POST", "/legit", HostileRequestTest.SMUGGLE)));
            assertTrue(e.getMessage().contains("SMUGGLED request arrived"), e.getMessage());
        }
    }

    @Test
    void cleanRequestsPassAndLeftoversDoNot() throws Exception {
        try (RawOrigin origin = new RawOrigin()) {
            sendDirect(origin, "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
                    + "POST /b HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nT: 1\r\n\r\n");
            origin.assertNoSmuggledRequest(Want.of("POST", "/a", "hello"), Want.of("POST", "/b", "hello"));
        }
        try (RawOrigin origin = new RawOrigin()) {
            sendDirect(origin, "GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTT");
            AssertionFailedError e = assertThrows(AssertionFailedError.class,
                    () -> origin.assertNoSmuggledRequest(Want.of("GET", "/a")));
            assertTrue(e.getMessage().contains("unparsed bytes"), e.getMessage());
            origin.assertNoSmuggledRequestAllowingAbort(Want.of("GET", "/a"));
        }
    }

    @Test
    void ambiguousFramingIsAParseError() throws Exception {
        for (String bad : List.of("Content-Length: 5\r\nContent-Length: 5\r\n", "Content-Length: +5\r\n",
                "Transfer-Encoding: gzip, chunked\r\n", "Content-Length : 5\r\n", "X: a\r\n b\r\n", "X: a\rb\r\n")) {
            byte[] b = ("POST /a HTTP/1.1\r\nHost: x\r\n" + bad + "\r\nhello").getBytes(StandardCharsets.ISO_8859_1);
            assertInstanceOf(StrictHttp.Failed.class, StrictHttp.request(b, 0, b.length, StrictHttp.Mode.STRICT), bad);
        }
        byte[] folded = "GET /a HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals("a b", StrictHttp.acceptableRequests(folded).requests().get(0).all("x").get(0), "unfolded where RFC 9112 allows");
    }
}
