package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

final class ExampleSettingsTest {

    @Test
    void theChaptersValuesAreTheDefaults() {
        ExampleSettings s = ExampleSettings.parse();
        assertEquals("api.example.com:443", s.upstream());
        assertTrue(s.tls());
        assertEquals("api.example.com", s.sni());
        assertEquals("0.0.0.0:8080", s.listen());
        assertTrue(s.resolve().isEmpty());
        assertEquals(Example.POOLED_PROXY, s.example());
        assertEquals(1, s.threads());
        assertTrue(s.metricsAddress().isEmpty());
    }

    @Test
    void theFirstArgumentNamesTheExample() {
        assertEquals(Example.DEMO, ExampleSettings.parse("demo").example());
        ExampleSettings idle = ExampleSettings.parse("--listen", "127.0.0.1:9000", "idle-timeout");
        assertEquals(Example.IDLE_TIMEOUT, idle.example());
        assertEquals("example.com:443", idle.upstream(), "idle-timeout's own default upstream");
        assertEquals("unknown example 'nope' (expected one of: pooled-proxy, idle-timeout, per-host-policy,"
                + " my-first-proxy, load-balancer, access-log, pool-size-config, walkthrough, demo)", message("nope"));
    }

    @Test
    void theLoadBalancerTakesSeveralUpstreamsAndTheOthersOne() {
        ExampleSettings lb = ExampleSettings.parse("load-balancer", "--no-tls", "--upstream", "127.0.0.1:8001, 127.0.0.1:8002");
        assertEquals(java.util.List.of("127.0.0.1:8001", "127.0.0.1:8002"), lb.upstreams());
        assertEquals("127.0.0.1:8001", lb.upstream());
        assertEquals(false, lb.peer("127.0.0.1:8002").tls());
        ExampleSettings tls = ExampleSettings.parse("load-balancer", "--upstream", "a.example:443,b.example:443");
        assertEquals("b.example", tls.peer("b.example:443").sni(), "each upstream's own name, without --sni");
        assertEquals("--upstream: 2 upstreams, but my-first-proxy proxies to one (expected: one HOST:PORT;"
                + " several are for load-balancer)", message("my-first-proxy", "--upstream", "a:1,b:2"));
    }

    @Test
    void theAccessLogIsOneFlagAndOnForItsExample() {
        assertEquals(null, ExampleSettings.parse("my-first-proxy").accessLog(), "off by default");
        assertEquals(org.pingora4j.proxy.AccessLog.Format.COMBINED,
                ExampleSettings.parse("my-first-proxy", "--access-log", "combined").accessLog());
        assertEquals(org.pingora4j.proxy.AccessLog.Format.JSON, ExampleSettings.parse("access-log").accessLog());
        assertEquals("--access-log: 'xml' (expected: combined or json)", message("--access-log", "xml"));
    }

    @Test
    void threadsAndMetricsAreCarried() {
        ExampleSettings s = ExampleSettings.parse("--threads", "4", "--metrics", "127.0.0.1:9091");
        assertEquals(4, s.threads());
        assertEquals("127.0.0.1:9091", s.metricsAddress().orElseThrow());
    }

    @Test
    void flagsPointTheExampleElsewhere() {
        ExampleSettings s = ExampleSettings.parse("--upstream", "origin.internal:8443", "--no-tls", "--listen",
                "127.0.0.1:9000", "--resolve", "origin.internal=10.1.2.3", "-t");
        assertEquals("origin.internal:8443", s.upstream());
        assertFalse(s.tls());
        assertEquals("origin.internal", s.sni(), "the SNI follows the upstream unless given");
        assertEquals("127.0.0.1:9000", s.listen());
        assertEquals("10.1.2.3", s.resolve().get("origin.internal").getHostAddress());
        assertTrue(s.opt().test(), "Pingora's flags pass through");
    }

    @Test
    void badValuesAreNamed() {
        assertTrue(message("--upstream", "nope").startsWith("--upstream: address: \"nope\""));
        assertEquals("--resolve: \"x\" (expected: HOST=IP)", message("--resolve", "x"));
        assertEquals("--resolve: \"not-an-ip\" (expected: an IP address)", message("--resolve", "a=1.2.3.4", "--resolve", "h=not-an-ip"));
        assertEquals("Missing required parameter for option '--sni' (NAME)", message("--sni"));
        assertTrue(message("--metrics", "localhost").startsWith("--metrics: address: \"localhost\""));
    }

    @Test
    void threadsMustBeAPositiveNumber() {
        assertEquals("--threads: 0 (expected: an integer >= 1)", message("--threads", "0"));
        assertEquals("--threads: -2 (expected: an integer >= 1)", message("--threads=-2"));
        assertEquals("--threads: 'four' is not a number (expected: an integer >= 1)", message("--threads", "four"));
        assertEquals("--threads: not with -c (expected: threads: 2 in p.yaml)", message("--threads", "2", "-c", "p.yaml"));
    }

    private static String message(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> ExampleSettings.parse(args)).getMessage();
    }
}
