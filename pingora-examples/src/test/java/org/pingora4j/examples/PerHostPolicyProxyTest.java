package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.upstreams.CaCertificates;

/** The per-upstream policy: api connections idle 120 s, static 30 s, the default has no limit. */
final class PerHostPolicyProxyTest {

    @Test
    void eachHostGetsItsUpstreamAndItsIdleTimeout() throws Exception {
        try (DemoOrigin origin = DemoOrigin.start();
             ExampleFixture fixture = new ExampleFixture(
                     new PerHostPolicyProxy(origin.port(), CaCertificates.fromPemFile(DemoOrigin.demoCaFile())))) {
            assertTrue(fixture.get("api.mysite.test", "/a").startsWith("HTTP/1.1 200 OK"));
            assertTrue(fixture.get("static.mysite.test", "/s").startsWith("HTTP/1.1 200 OK"));
            assertTrue(fixture.get("www.mysite.test", "/d").startsWith("HTTP/1.1 200 OK"));
            assertEquals(3, origin.connections(), "three upstreams, three pools groups");
            assertEquals(3, fixture.connector.stats().pool().idle());

            fixture.clock.advance(Duration.ofSeconds(30));
            assertEquals(1, fixture.connector.stats().pool().expirations(), "static.example.com: 30 s");
            assertEquals(2, fixture.connector.stats().pool().idle());

            fixture.clock.advance(Duration.ofSeconds(90));
            assertEquals(2, fixture.connector.stats().pool().expirations(), "api.example.com: 120 s");
            assertEquals(1, fixture.connector.stats().pool().idle(), "default.example.com: no idle timeout");

            assertTrue(fixture.get("www.mysite.test", "/again").startsWith("HTTP/1.1 200 OK"));
            assertEquals(1, fixture.connector.stats().reused(), "the default connection was reused");
        }
    }
}
