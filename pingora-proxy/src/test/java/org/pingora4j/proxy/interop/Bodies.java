package org.pingora4j.proxy.interop;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * The bodies both origins answer with. Each names the request's id, so a response delivered to the
 * wrong request (a desynchronised connection) cannot pass for the right one.
 */
final class Bodies {

    /** Padding that brings a GET response to about 2 KiB. */
    static final String PAD = "x".repeat(2040) + "\n";

    /** Size of the large bodies, 1 MiB. */
    static final int ONE_MIB = 1 << 20;

    private Bodies() {
    }

    /** The origin's answer to {@code GET /get?id=<id>}. */
    static String get(int id) {
        return "get " + id + "\n" + PAD;
    }

    /** A small POST body for request {@code id}. */
    static byte[] postBody(int id) {
        return ("payload " + id + " " + "y".repeat(64)).getBytes(StandardCharsets.US_ASCII);
    }

    /** The origin's answer to {@code POST /post?id=<id>} with a body of {@code length} bytes. */
    static String post(int id, int length) {
        return "post " + id + " " + length + "\n";
    }

    /**
     * 1 MiB of letters, fixed by {@code seed}. Letters only, so that nginx's SSI filter (which makes a
     * static file's response chunked) finds no directive in it and passes it through unchanged.
     */
    static byte[] letters(long seed) {
        Random random = new Random(seed);
        byte[] bytes = new byte[ONE_MIB];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) ('a' + random.nextInt(26));
        }
        return bytes;
    }

    /** 1 MiB of arbitrary bytes, fixed by {@code seed}. */
    static byte[] binary(long seed) {
        byte[] bytes = new byte[ONE_MIB];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /**
     * Writes {@code small.txt} (2 KiB) and {@code big.txt} (1 MiB, {@link #letters}(1)) into {@code root},
     * as {@link NginxOrigin} serves them, and {@code empty.txt} (0 bytes).
     */
    static Path writeFiles(Path root) throws IOException {
        Files.createDirectories(root);
        Files.write(root.resolve("empty.txt"), new byte[0]);
        Files.writeString(root.resolve("small.txt"), PAD.repeat(2).substring(0, 2048), StandardCharsets.US_ASCII);
        Files.write(root.resolve("big.txt"), letters(1));
        return root;
    }
}
