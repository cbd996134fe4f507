package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;

/**
 * A copy of the first bytes of a request body, so that a request can be sent again after its
 * upstream connection failed. Mirrors pingora's retry buffer: up to {@link #LIMIT} (64 KiB, as
 * pingora's {@code BODY_BUF_LIMIT}); a longer body is "truncated" and the request not retried.
 *
 * <p>The copy is one buffer, however many parts the body came in: memory held is the body's bytes
 * and one buffer's overhead. A buffer per part would cost a hundred bytes of objects per part, and
 * a body sent as one-byte chunks would hold a hundred times what it sent. Confined to the
 * request's event loop.
 */
final class RetryBuffer {

    static final int LIMIT = 64 * 1024;

    private ByteBuf copy;
    private boolean truncated;

    /** Copies {@code chunk} (not consuming it) while within the limit. */
    void append(ByteBuf chunk) {
        int length = chunk.readableBytes();
        if (truncated || length == 0) {
            return;
        }
        int size = size();
        if (size + length > LIMIT) {
            truncated = true;
            release();
            return;
        }
        if (copy == null) {
            // Sized for this part; grows (at most to LIMIT) only when more parts come.
            copy = chunk.alloc().buffer(length, LIMIT);
        }
        copy.writeBytes(chunk, chunk.readerIndex(), length);
    }

    boolean truncated() {
        return truncated;
    }

    /** Returns how many bytes are buffered. */
    int size() {
        return copy == null ? 0 : copy.readableBytes();
    }

    /** Returns how many bytes of memory the copy holds (its capacity). */
    int held() {
        return copy == null ? 0 : copy.capacity();
    }

    /** Returns a fresh view of the buffered bytes, for one replay; the caller releases it. */
    ByteBuf replay() {
        return copy.retainedDuplicate();
    }

    void release() {
        if (copy != null) {
            copy.release();
            copy = null;
        }
    }
}
