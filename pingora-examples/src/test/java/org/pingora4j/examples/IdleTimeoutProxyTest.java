package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.upstreams.CaCertificates;

/** The chapter's idle timeout: a connection idle for 30 s leaves the pool; one used within stays. */
final class IdleTimeoutProxyTest {

    @Test
    void connectionsIdleFor30SecondsAreClosed() throws Exception {
        try (DemoOrigin origin = DemoOrigin.start();
             ExampleFixture fixture = new ExampleFixture(
                     new IdleTimeoutProxy("example.com:" + origin.port(), CaCertificates.fromPemFile(DemoOrigin.demoCaFile())))) {
            assertTrue(fixture.get("example.com", "/1").startsWith("HTTP/1.1 200 OK"));
            fixture.clock.advance(Duration.ofSeconds(29));
            assertTrue(fixture.get("example.com", "/2").startsWith("HTTP/1.1 200 OK"));
            assertEquals(1, origin.connections(), "reused after 29 s idle");

            fixture.clock.advance(Duration.ofSeconds(30));
            assertEquals(1, fixture.connector.stats().pool().expirations());
            assertTrue(fixture.get("example.com", "/3").startsWith("HTTP/1.1 200 OK"));
            assertEquals(2, origin.connections(), "a new connection after 30 s idle");
        }
    }
}
