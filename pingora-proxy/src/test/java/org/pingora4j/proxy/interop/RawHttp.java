package org.pingora4j.proxy.interop;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client on one keep-alive connection, reconnecting when the server closed it.
 * Written out by hand so that the tests own every socket (and can count them) and see exactly what
 * came back, framing included.
 */
final class RawHttp implements Closeable {

    /** A response: status, header lines with lower-case names, body bytes. */
    record Response(int status, List<String[]> headers, byte[] body) {

        String header(String name) {
            for (String[] header : headers) {
                if (header[0].equals(name)) {
                    return header[1];
                }
            }
            return null;
        }

        String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }
    }

    private final int port;
    private Socket socket;
    private InputStream in;
    private OutputStream out;
    private int exchangesOnSocket;
    /** The last exchange on this connection, for failure messages: what came just before matters. */
    private String previous = "none";

    RawHttp(int port) {
        this.port = port;
    }

    /** Sends one request (with a Content-Length body when {@code body} is not null) and reads its response. */
    Response exchange(String method, String target, byte[] body) throws IOException {
        if (socket == null) {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(15_000);
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream(), 16384);
            out = socket.getOutputStream();
            exchangesOnSocket = 0;
            previous = "none";
        }
        exchangesOnSocket++;
        try {
            StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:").append(port).append("\r\n");
            if (body != null) {
                head.append("Content-Type: text/plain\r\nContent-Length: ").append(body.length).append("\r\n");
            }
            head.append("\r\n");
            byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
            if (body == null) {
                out.write(headBytes);
            } else {
                byte[] all = new byte[headBytes.length + body.length];
                System.arraycopy(headBytes, 0, all, 0, headBytes.length);
                System.arraycopy(body, 0, all, headBytes.length, body.length);
                out.write(all);
            }
            out.flush();
            Response response = read(method);
            previous = method + " " + target + " " + response.status();
            String connection = response.header("connection");
            if (connection != null && connection.toLowerCase(Locale.ROOT).contains("close")) {
                close();
            }
            return response;
        } catch (IOException | RuntimeException e) {
            close();
            String where = " (request " + exchangesOnSocket + " on its connection, after " + previous + ")";
            throw new IOException(e + where, e);
        }
    }

    private Response read(String method) throws IOException {
        int status;
        List<String[]> headers;
        do {
            String statusLine = line();
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
                throw new IOException("not a status line: " + statusLine);
            }
            status = Integer.parseInt(parts[1]);
            headers = new ArrayList<>();
            for (String line = line(); !line.isEmpty(); line = line()) {
                int colon = line.indexOf(':');
                headers.add(new String[] {line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        line.substring(colon + 1).trim()});
            }
        } while (status >= 100 && status < 200);
        Response bodiless = new Response(status, headers, new byte[0]);
        if (method.equals("HEAD") || status == 204 || status == 304) {
            return bodiless;
        }
        String te = bodiless.header("transfer-encoding");
        String cl = bodiless.header("content-length");
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        if (te != null && te.equalsIgnoreCase("chunked")) {
            for (int size = chunkSize(); size > 0; size = chunkSize()) {
                body.write(exactly(size));
                expectCrlf();
            }
            while (!line().isEmpty()) {
                // trailer fields: ignored
            }
        } else if (cl != null) {
            body.write(exactly(Integer.parseInt(cl)));
        } else {
            body.write(in.readAllBytes());
            close();
        }
        return new Response(status, headers, body.toByteArray());
    }

    private int chunkSize() throws IOException {
        String line = line();
        int semicolon = line.indexOf(';');
        return Integer.parseInt(semicolon < 0 ? line.trim() : line.substring(0, semicolon).trim(), 16);
    }

    private void expectCrlf() throws IOException {
        if (!line().isEmpty()) {
            throw new IOException("chunk not followed by CRLF");
        }
    }

    private byte[] exactly(int n) throws IOException {
        byte[] bytes = in.readNBytes(n);
        if (bytes.length != n) {
            throw new EOFException("body cut at " + bytes.length + " of " + n + " bytes");
        }
        return bytes;
    }

    private String line() throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); ; c = in.read()) {
            if (c < 0) {
                throw new EOFException(
                        line.length() == 0 ? "connection closed before a response" : "cut line: " + line);
            }
            if (c == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) c);
        }
    }

    @Override
    public void close() throws IOException {
        if (socket != null) {
            Socket s = socket;
            socket = null;
            s.close();
        }
    }
}
