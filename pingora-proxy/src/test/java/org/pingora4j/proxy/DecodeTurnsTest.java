package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;

/**
 * Issue #14: a client that sends more in one go than one turn's worth of objects (64) is decoded
 * over several turns of its loop; what it sent all arrives, also when it sends nothing more to wake
 * the connection, over plain TCP and over TLS (where the decoder sits behind the TLS handler).
 */
final class DecodeTurnsTest {

    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?i)content-length: (\\d+)\r\n");

    private static Socket connect(ProxyFixture fixture, boolean tls) throws Exception {
        int port = fixture.service.boundAddresses().get(0).getPort();
        if (!tls) {
            return new Socket("127.0.0.1", port);
        }
        return TestCerts.clientContext().getSocketFactory().createSocket("localhost", port);
    }

    private static ProxyFixture proxy(TestOrigin origin, boolean tls) throws Exception {
        ProxyService<Void> service = ProxyService.httpProxyService(ServerConf.defaults(), new FilterProxy(origin.address()));
        if (tls) {
            service.addTls("127.0.0.1:0", TestCerts.file("server.crt").toString(), TestCerts.file("server.key").toString());
        }
        return new ProxyFixture(service, !tls);
    }

    /** Reads responses until {@code count} complete ones (each with a Content-Length body) came, or 20 s passed. */
    private static String readResponses(Socket socket, int count) throws Exception {
        socket.setSoTimeout(200);
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        byte[] buffer = new byte[16384];
        long giveUp = System.nanoTime() + 20_000_000_000L;
        while (complete(received.toString(StandardCharsets.ISO_8859_1)) < count && System.nanoTime() - giveUp < 0) {
            try {
                int n = in.read(buffer);
                if (n < 0) {
                    break;
                }
                received.write(buffer, 0, n);
            } catch (SocketTimeoutException e) {
                // nothing yet
            }
        }
        return received.toString(StandardCharsets.ISO_8859_1);
    }

    private static int complete(String stream) {
        int done = 0;
        int at = 0;
        while (true) {
            int headEnd = stream.indexOf("\r\n\r\n", at);
            if (headEnd < 0) {
                return done;
            }
            Matcher m = CONTENT_LENGTH.matcher(stream.substring(at, headEnd + 2));
            int length = m.find() ? Integer.parseInt(m.group(1)) : 0;
            if (stream.length() < headEnd + 4 + length) {
                return done;
            }
            done++;
            at = headEnd + 4 + length;
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void aBurstOfPipelinedRequestsIsAnsweredWhole(boolean tls) throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK, ex.request().uri()));
            try (ProxyFixture fixture = proxy(origin, tls); Socket socket = connect(fixture, tls)) {
                StringBuilder burst = new StringBuilder();
                for (int i = 0; i < 300; i++) {
                    burst.append("GET /r").append(i).append(" HTTP/1.1\r\nHost: x\r\n\r\n");
                }
                OutputStream out = socket.getOutputStream();
                out.write(burst.toString().getBytes(StandardCharsets.ISO_8859_1)); // then nothing more
                out.flush();
                String answers = readResponses(socket, 300);
                assertEquals(300, complete(answers), "all 300 answered; the last ones: "
                        + answers.substring(Math.max(0, answers.length() - 300)));
                assertEquals(300, origin.requests());
            }
        }
    }

    @ParameterizedTest(name = "tls={0}")
    @ValueSource(booleans = {false, true})
    void aBodyOfOneByteChunksArrivesWhole(boolean tls) throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.OK, Integer.toString(ex.request().content().readableBytes())));
            try (ProxyFixture fixture = proxy(origin, tls); Socket socket = connect(fixture, tls)) {
                StringBuilder request = new StringBuilder("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
                for (int i = 0; i < 5000; i++) {
                    request.append("1\r\n").append((char) ('a' + i % 26)).append("\r\n");
                }
                request.append("0\r\n\r\n");
                OutputStream out = socket.getOutputStream();
                out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1)); // then nothing more
                out.flush();
                String answer = readResponses(socket, 1);
                assertEquals(1, complete(answer), "answered: " + answer);
                assertEquals("5000", answer.substring(answer.indexOf("\r\n\r\n") + 4), "the origin got every byte");
            }
        }
    }
}
