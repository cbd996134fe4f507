package org.pingora4j.core.upstreams;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** Regressions: equal bind addresses once gave different reuse keys; Unicode digits were once taken as a port. */
final class HttpPeerRegressionTest {

    @Test
    void equalBindAddressesGiveEqualReuseKeys() throws Exception {
        InetAddress plain = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        InetAddress named = InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        assertEquals(plain, named);
        HttpPeer a = new HttpPeer("api.example.com:443", true, "api.example.com").withOptions(o -> o.bindTo(plain));
        HttpPeer b = new HttpPeer("api.example.com:443", true, "api.example.com").withOptions(o -> o.bindTo(named));
        assertEquals(a, b, "HttpPeer.equals says equal");
        assertEquals(a.reuseHash(), b.reuseHash(), "so the reuse hash must be equal");
        assertEquals(a.reuseKey(), b.reuseKey(), "and so must the pool key");
    }

    @Test
    void rejectsNonAsciiDigitsInThePort() {
        // U+0668 U+0660: ARABIC-INDIC DIGIT EIGHT, ZERO
        assertThrows(IllegalArgumentException.class, () -> new HttpPeer("a:\u0668\u0660", false, ""));
    }
}
