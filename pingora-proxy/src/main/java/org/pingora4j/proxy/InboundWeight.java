package org.pingora4j.proxy;

import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMessageDecoderResult;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * What a decoded request object holds in memory, in bytes, estimated in constant time: the
 * figures a client controls (header lines, header and body bytes) times what each costs the JVM.
 * Pausing a connection by these, rather than by counting objects, is what keeps a flood of small
 * objects (empty header lines, one-byte chunks) from holding many times the bytes that made them.
 */
final class InboundWeight {

    /**
     * A header entry: Netty's entry object, its name (an AsciiString with its array) and its value
     * (a String with its array), on a 64-bit JVM with compressed pointers, rounded up.
     */
    static final int PER_LINE = 128;
    /** A request object with its headers map, URI and decoder result. */
    static final int PER_HEAD = 512;
    /** A body part: its HttpContent and ByteBuf objects (as Netty charges a queued write, 96). */
    static final int PER_PART = 96;

    private InboundWeight() {
    }

    /** Returns the bytes {@code object} holds while it waits to be read. */
    static long of(HttpObject object) {
        if (object instanceof HttpContent content) {
            long weight = PER_PART + content.content().readableBytes();
            if (object instanceof LastHttpContent last) {
                weight += (long) last.trailingHeaders().size() * PER_LINE;
            }
            return weight;
        }
        if (object instanceof HttpRequest request) {
            DecoderResult result = request.decoderResult();
            // Header bytes are kept as chars or bytes, twice over at worst (name and value copies).
            long bytes = result instanceof HttpMessageDecoderResult sizes ? 2L * sizes.totalSize() : 0;
            return PER_HEAD + bytes + (long) request.headers().size() * PER_LINE;
        }
        return PER_PART;
    }
}
