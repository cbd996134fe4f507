package org.pingora4j.bench.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProxyArgsTest {

    @Test
    void defaultsAreOneLoopTheLibrarysPoolAndPlainUpstream() {
        ProxyArgs a = ProxyArgs.parse("--listen", "127.0.0.1:1000", "--upstream", "127.0.0.1:2000");
        assertEquals(1, a.threads());
        assertEquals(0, a.pool());
        assertFalse(a.tls());
        assertEquals(Optional.empty(), a.ca());
        assertEquals("api.example.com", a.host());
        assertEquals(Optional.empty(), a.metrics(), "metrics off unless asked");
    }

    @Test
    void parsesEveryOption() {
        ProxyArgs a = ProxyArgs.parse("--listen", "127.0.0.1:1000", "--upstream", "127.0.0.1:2000", "--threads", "2",
                "--pool", "256", "--tls", "--ca", "/tmp/ca.pem", "--sni", "origin", "--work-dir", "/tmp/w", "--metrics", "127.0.0.1:3000");
        assertEquals(2, a.threads());
        assertEquals(256, a.pool());
        assertTrue(a.tls());
        assertEquals(Optional.of(Path.of("/tmp/ca.pem")), a.ca());
        assertEquals("origin", a.sni());
        assertEquals(Path.of("/tmp/w"), a.workDir());
        assertEquals(Optional.of("127.0.0.1:3000"), a.metrics());
        assertEquals("127.0.0.1", ProxyArgs.hostOf(a.listen()));
        assertEquals(1000, ProxyArgs.portOf(a.listen()));
    }

    @Test
    void rejectsUnknownOptionsAndMissingAddresses() {
        assertThrows(IllegalArgumentException.class, () -> ProxyArgs.parse("--listen", "127.0.0.1:1"));
        assertThrows(IllegalArgumentException.class, () -> ProxyArgs.parse("--bogus", "1"));
        assertThrows(IllegalArgumentException.class, () -> ProxyArgs.parse("--listen"));
    }
}
