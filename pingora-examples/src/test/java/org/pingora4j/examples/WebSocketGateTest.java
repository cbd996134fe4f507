package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket gate: an upgrade outside {@code /live/} is refused in {@code requestFilter} before
 * any origin is asked; one under {@code /live/} is passed on (to an origin that is not there here,
 * hence the 502, which only a request that passed the gate can get).
 */
final class WebSocketGateTest {

    private static String upgrade(ExampleFixture fixture, String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", fixture.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: chat.example\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            socket.getInputStream().transferTo(received);
            return received.toString(StandardCharsets.ISO_8859_1);
        }
    }

    @Test
    void upgradesOutsideLiveAreRefusedAndUnderLiveArePassedOn() throws Exception {
        try (ExampleFixture fixture = new ExampleFixture(new WebSocketGate("127.0.0.1:1"))) {
            String refused = upgrade(fixture, "/chat");
            assertTrue(refused.startsWith("HTTP/1.1 403 ") && refused.endsWith("WebSockets only under /live/\n"), refused);
            String passed = upgrade(fixture, "/live/feed");
            assertTrue(passed.startsWith("HTTP/1.1 502 "), "passed the gate, found no origin: " + passed);
        }
    }
}
