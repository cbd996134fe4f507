package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue #8, fix 9: an origin that answers while the client is still uploading. The client gets the
 * answer, nothing leaks (the leak check runs after every test), and the upstream connection, which
 * never received the whole body, is not pooled: the next request opens a new one.
 */
final class EarlyResponseTest {

    /** Answers every request as soon as its head arrived, then reads and drops whatever follows. */
    private static final class EarlyOrigin implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final AtomicInteger accepted = new AtomicInteger();
        final ExecutorService threads = Executors.newCachedThreadPool();

        EarlyOrigin() throws IOException {
            threads.execute(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        accepted.incrementAndGet();
                        threads.execute(() -> serve(s));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
        }

        private static void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                int matched = 0;
                while (true) {
                    int b = in.read();
                    if (b < 0) {
                        return;
                    }
                    matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
                    if (matched == 4) {
                        out.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly".getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                        matched = 0;
                        in.transferTo(OutputStream.nullOutputStream());
                        return;
                    }
                }
            } catch (IOException gone) {
                // the proxy closed the connection it could not reuse
            }
        }

        String address() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
            threads.shutdownNow();
        }
    }

    @Test
    void anAnswerBeforeTheWholeUploadReachesTheClientAndTheConnectionIsNotPooled() throws Exception {
        try (EarlyOrigin origin = new EarlyOrigin()) {
            FilterProxy logic = new FilterProxy(origin.address());
            try (ProxyFixture fixture = ProxyFixture.of(logic);
                 Socket client = new Socket("127.0.0.1", fixture.port())) {
                client.setSoTimeout(10_000);
                OutputStream out = client.getOutputStream();
                out.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1048576\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.write(new byte[64 * 1024]);
                out.flush();
                InputStream in = client.getInputStream();
                ByteArrayOutputStream received = new ByteArrayOutputStream();
                byte[] buffer = new byte[4096];
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                    received.write(buffer, 0, n);
                }
                String response = received.toString(StandardCharsets.ISO_8859_1);
                assertTrue(response.startsWith("HTTP/1.1 200 OK"), response);
                assertTrue(response.endsWith("\r\n\r\nearly"), response);
                assertTrue(response.toLowerCase().contains("connection: close"),
                        "the rest of the upload is still coming: the client connection cannot be reused " + response);
                logic.awaitLogged(1);
                assertTrue(logic.errors.isEmpty(), "the request succeeded: " + logic.errors);

                assertEquals(200, fixture.get("/after").statusCode());
                assertEquals(2, origin.accepted.get(), "the half-written upstream connection was not reused");
            }
        }
    }
}
