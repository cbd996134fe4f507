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
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ExampleSettings.parse("--upstream", "nope"))
                .getMessage().startsWith("address: \"nope\""));
        assertEquals("--resolve: \"x\" (expected: HOST=IP)",
                assertThrows(IllegalArgumentException.class, () -> ExampleSettings.parse("--resolve", "x")).getMessage());
        assertEquals("--resolve: \"not-an-ip\" (expected: an IP address)",
                assertThrows(IllegalArgumentException.class, () -> ExampleSettings.parse("--resolve", "h=not-an-ip")).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ExampleSettings.parse("--sni"))
                .getMessage().startsWith("--sni: missing value"));
    }
}
