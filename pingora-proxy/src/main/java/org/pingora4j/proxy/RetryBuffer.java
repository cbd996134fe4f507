package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;

/**
 * A copy of the first bytes of a request body, so that a request can be sent again after its
 * upstream connection failed. Mirrors pingora's retry buffer: up to {@link #LIMIT} (64 KiB, as
 * pingora's {@code BODY_BUF_LIMIT}); a longer body is "truncated" and the request not retried.
 * Confined to the request's event loop.
 */
final class RetryBuffer {

    static final int LIMIT = 64 * 1024;

    private final List<ByteBuf> chunks = new ArrayList<>();
    private int size;
    private boolean truncated;

    /** Copies {@code chunk} (not consuming it) while within the limit. */
    void append(ByteBuf chunk) {
        if (truncated) {
            return;
        }
        if (size + chunk.readableBytes() > LIMIT) {
            truncated = true;
            release();
            return;
        }
        if (chunk.isReadable()) {
            chunks.add(chunk.copy());
            size += chunk.readableBytes();
        }
    }

    boolean truncated() {
        return truncated;
    }

    /** Returns how many chunks are buffered. */
    int count() {
        return chunks.size();
    }

    /** Returns a fresh duplicate of chunk {@code index}, for one replay; the caller releases it. */
    ByteBuf chunk(int index) {
        return chunks.get(index).retainedDuplicate();
    }

    void release() {
        for (ByteBuf chunk : chunks) {
            chunk.release();
        }
        chunks.clear();
        size = 0;
    }
}
