package org.pingora4j.proxy.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.internal.PlatformDependent;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pingora4j.core.testing.MachineRequirement;
import org.pingora4j.proxy.Descriptors;

/**
 * WebSockets through the proxy between real peers: Python's {@code websockets} (Debian's
 * python3-websockets) as the echo server and as the clients, in {@code ws/ws_peer.py}. The handshake
 * goes through the proxy's HTTP/1.1 path and the 101 makes the connections a tunnel; text and binary
 * messages up to 16 MiB, a fragmented message, a ping and the close handshake must come through as
 * the library sends them, and a thousand tunnels at once must cost two sockets each and nothing
 * once they closed.
 */
final class WebSocketInteropTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final int MANY = 1000;

    @TempDir
    Path dir;
    private OriginProcess server;
    private InteropProxy proxy;

    @BeforeEach
    void setUp() throws Exception {
        MachineRequirement.require(Files.isExecutable(PYTHON) && pythonHasWebsockets(), "python3-websockets",
                "the WebSocket interop tests run real WebSocket peers");
        Path script = script();
        server = OriginProcess.start("ws-echo", dir, port -> List.of(PYTHON.toString(), script.toString(), "server",
                Integer.toString(port)));
        proxy = new InteropProxy(server.port);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (proxy != null) {
            proxy.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void messagesUpTo16MiBFragmentsPingAndCloseCrossTheProxyAsSent() throws Exception {
        Resources resources = Resources.baseline(proxy);
        String line = run(List.of("client", url(), "2"), null);
        assertTrue(line.contains("\"ok\": true"), line);
        resources.assertBackToBaseline("two WebSocket clients");
        assertEquals("{}", proxy.errors().toString(), "errors the logging phase saw");
    }

    @Test
    void aThousandTunnelsAtOnceCostTwoSocketsEachAndNothingOnceClosed() throws Exception {
        Resources resources = Resources.baseline(proxy);
        Descriptors.Snapshot before = Descriptors.now();
        long directBefore = PlatformDependent.usedDirectMemory();
        Process client = start(List.of("many", url(), Integer.toString(MANY)));
        try (BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
             OutputStream in = client.getOutputStream()) {
            String opened = out.readLine();
            assertEquals("{\"open\": " + MANY + ", \"echoed\": " + MANY + "}", opened, stderr());
            int sockets = Descriptors.now().socketsNotIn(before.sockets()).size();
            long direct = PlatformDependent.usedDirectMemory() - directBefore;
            System.out.printf("[websocket] %d tunnels open: %d sockets more in the proxy's JVM, %d KiB more direct memory, "
                    + "%d bytes of client data held%n", MANY, sockets, direct / 1024, proxy.service.bufferedClientBytes());
            // One client and one upstream socket per tunnel, plus whatever the pool keeps idle.
            assertTrue(sockets >= 2 * MANY && sockets <= 2 * MANY + proxy.stats().pool().idle(), "sockets: " + sockets);
            assertEquals(0, proxy.service.bufferedClientBytes(), "idle tunnels hold no client data");
            in.write('\n');
            in.flush();
            assertEquals("{\"closed\": " + MANY + "}", out.readLine(), stderr());
        } finally {
            client.destroy();
            client.waitFor(10, TimeUnit.SECONDS);
        }
        resources.assertBackToBaseline(MANY + " WebSocket tunnels");
        assertEquals("{}", proxy.errors().toString(), "errors the logging phase saw");
    }

    private String url() {
        return "ws://127.0.0.1:" + proxy.port() + "/chat";
    }

    /** Runs the script with {@code args} to its end and returns its one line. */
    private String run(List<String> args, String input) throws Exception {
        Process process = start(args);
        if (input == null) {
            process.getOutputStream().close();
        }
        String line;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            line = out.readLine();
        }
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the WebSocket client did not finish in 120 s");
        assertEquals(0, process.exitValue(), "the WebSocket client failed: " + stderr());
        return String.valueOf(line);
    }

    private Process start(List<String> args) throws IOException, URISyntaxException {
        List<String> command = new java.util.ArrayList<>(List.of(PYTHON.toString(), script().toString()));
        command.addAll(args);
        return new ProcessBuilder(command).redirectError(dir.resolve("client.err").toFile()).start();
    }

    private String stderr() throws IOException {
        Path err = dir.resolve("client.err");
        return Files.exists(err) ? Files.readString(err) : "";
    }

    private static Path script() throws URISyntaxException {
        return Path.of(WebSocketInteropTest.class.getResource("/ws/ws_peer.py").toURI());
    }

    private static boolean pythonHasWebsockets() {
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import websockets")
                    .redirectOutput(ProcessBuilder.Redirect.to(new File("/dev/null")))
                    .redirectError(ProcessBuilder.Redirect.to(new File("/dev/null"))).start();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
