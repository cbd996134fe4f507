package org.pingora4j.proxy.hostile;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The bytes one attacking connection sends: a head, a block repeated some number of times, and a
 * tail. Shared, read-only, by every connection of an attack, so that the attacker's own heap stays
 * small and constant however many connections send it (the test measures the heap it shares with
 * the proxy). A huge payload (a 1 GiB upload) costs one block.
 */
record Payload(String name, byte[] head, byte[] block, long repeats, byte[] tail) {

    static Payload of(String name, String head, String block, long repeats, String tail) {
        return new Payload(name, bytes(head), bytes(block), repeats, bytes(tail));
    }

    /** {@code unit} repeated {@code times}: blocks of whole units (about 64 KiB each), the rest in the tail. */
    static Payload repeated(String name, String head, String unit, long times, String tail) {
        long perBlock = Math.max(1, Math.min(times, 64 * 1024 / Math.max(1, unit.length())));
        return of(name, head, unit.repeat((int) perBlock), times / perBlock,
                unit.repeat((int) (times % perBlock)) + tail);
    }

    long length() {
        return (long) head.length + (long) block.length * repeats + tail.length;
    }

    /** Returns a buffer over the payload's bytes from {@code position} to the end of that segment. */
    ByteBuffer from(long position) {
        if (position < head.length) {
            return ByteBuffer.wrap(head, (int) position, head.length - (int) position);
        }
        long inBlocks = position - head.length;
        long blocks = (long) block.length * repeats;
        if (inBlocks < blocks) {
            int offset = (int) (inBlocks % block.length);
            return ByteBuffer.wrap(block, offset, block.length - offset);
        }
        int offset = (int) (inBlocks - blocks);
        return ByteBuffer.wrap(tail, offset, tail.length - offset);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return name + " (" + length() + " bytes)";
    }
}
