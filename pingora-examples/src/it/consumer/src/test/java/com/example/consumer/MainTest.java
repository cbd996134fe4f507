package com.example.consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Runs the application's main as its user would and checks what it printed: the answer that came
 * back through the proxy. The build's verify script checks the same line in the build log.
 */
class MainTest {

    @Test
    void mainProxiesOneRequestThroughPingora4jAndStops() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            Main.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String out = printed.toString(StandardCharsets.UTF_8);
        original.print(out); // into the build log, for verify.groovy
        assertTrue(out.contains("consumer: GET /hello through pingora4j -> 200 \"hello from the origin\""
                + " (X-Proxied-By: hello-proxy)"), out);
    }
}
