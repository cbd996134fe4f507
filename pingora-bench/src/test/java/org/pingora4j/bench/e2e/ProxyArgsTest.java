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
        assertEquals(Optional.empty(), a.tlsListen());
        assertFalse(a.h2c());
        assertFalse(a.h2Upstream());
        assertEquals(Optional.empty(), a.stats());
    }

    @Test
    void parsesTheHttp2Options() {
        ProxyArgs a = ProxyArgs.parse("--listen", "127.0.0.1:1000", "--upstream", "127.0.0.1:2000", "--h2c",
                "--tls-listen", "127.0.0.1:1001", "--cert", "/tmp/c.pem", "--key", "/tmp/k.pem", "--h2-upstream",
                "--stats", "127.0.0.1:3001");
        assertTrue(a.h2c());
        assertTrue(a.h2Upstream());
        assertFalse(a.tls(), "--h2-upstream alone is h2c with prior knowledge");
        assertEquals(Optional.of("127.0.0.1:1001"), a.tlsListen());
        assertEquals(Optional.of(Path.of("/tmp/c.pem")), a.cert());
        assertEquals(Optional.of(Path.of("/tmp/k.pem")), a.key());
        assertEquals(Optional.of("127.0.0.1:3001"), a.stats());
        assertThrows(IllegalArgumentException.class, () -> ProxyArgs.parse("--listen", "127.0.0.1:1",
                "--upstream", "127.0.0.1:2", "--tls-listen", "127.0.0.1:3"), "a TLS listener needs its cert and key");
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
