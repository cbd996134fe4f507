package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The README's run command, in small: it must show pooling at work. */
final class DemoTest {

    @Test
    void theDemoShowsReuseHandshakesAndPoolStatistics() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Demo.Report report = Demo.run(new PrintStream(captured, true, StandardCharsets.UTF_8), 5, 2, 3);
        String output = captured.toString(StandardCharsets.UTF_8);

        assertEquals(11, report.requests());
        assertEquals("Connection reused: false", report.reusedLines().get(0));
        assertTrue(report.reusedLines().subList(1, 5).stream().allMatch("Connection reused: true"::equals),
                report.reusedLines().toString());
        assertTrue(report.upstreamHandshakes() <= 3, "at most one handshake per concurrent client: " + report.upstreamHandshakes());
        assertTrue(report.reuseRatio() >= 0.7, "reuse ratio " + report.reuseRatio());
        assertTrue(output.contains("upstream TLS handshakes"), output);
        assertTrue(output.contains("reuse ratio"), output);
        assertTrue(output.contains("pool "), output);
    }
}
