package org.pingora4j.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import java.util.List;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;

/**
 * Netty's request decoder, made strict where request smuggling lives (CVE-2025-4366 and the
 * pingora fixes in 0.8.0): a request with both {@code Content-Length} and
 * {@code Transfer-Encoding} is rejected rather than having its Content-Length dropped, as RFC 9112
 * §6.1 lets a server do but a proxy in front of other parsers must not.
 *
 * <p>Every strictness setting is pinned here rather than left to its default, because Netty's
 * defaults can be changed JVM-wide by system properties ({@code io.netty.handler.codec.http.
 * defaultStrictLineParsing}, {@code ...rfc9112TransferEncoding}): a library elsewhere in the
 * process must not be able to weaken the proxy's parsing.
 *
 * <p>Three leniencies of Netty's are closed here, each a place where the proxy would read a byte
 * stream differently from a strict parser in front of it: it skips any control bytes before a
 * request line (only empty lines, CRLF, may precede one: RFC 9112 §2.2); it keeps the first of
 * several {@code Content-Length} fields of an HTTP/1.0 request; and it reads the version
 * case-insensitively. Not thread-safe: one per connection, like every decoder.
 */
final class RequestDecoder extends HttpRequestDecoder {

    private static final AsciiString CONTENT_LENGTH = HttpHeaderNames.CONTENT_LENGTH;

    private final int maxHeaderLines;
    /** A line buffer this large is counted as held client data; smaller ones are the connection's own cost. */
    private static final int LARGE_LINE_BUFFER = 16 * 1024;

    /**
     * Objects made per turn of the connection (see {@link DownstreamConnection}): a turn costs the
     * loop about as much as one request, however small the objects the client sends.
     */
    static final int TURN_OBJECTS = 64;

    private boolean held;
    /**
     * An upgrade request ({@link UpgradeRequest}) was read whole: what follows is the new protocol's
     * if the answer is 101, so it is kept as bytes, not decoded, until the connection either
     * becomes a tunnel (removing the decoder hands the bytes on) or closes after another answer.
     */
    private boolean upgradeAsked;
    /** The request being decoded asks to upgrade: once it is whole, decoding stops. */
    private boolean upgradeNext;
    /** A client may send ahead of the 101 no more than this, kept undecoded; past it the connection closes. */
    static final int MAX_BYTES_BEFORE_SWITCH = 64 * 1024;
    private int turnObjects;
    private boolean yielded;
    /** The size of Netty's line buffer, as last seen (each line is parsed from its array). */
    private int lineBufferBytes;
    private boolean atMessageStart = true;
    private boolean refused;
    private boolean contentLengthSeen;
    /** Header (or trailer) lines of the section being read, counted as each line arrives. */
    private int sectionLines;
    private boolean inTrailers;

    RequestDecoder(HttpServerOptions options) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(options.maxInitialLineLength())
                .setMaxHeaderSize(options.maxHeaderSize())
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setAllowDuplicateContentLengths(false)
                .setValidateHeaders(true)
                .setChunkedSupported(true));
        this.maxHeaderLines = options.maxHeaderCount();
    }

    /**
     * Netty reads the version case-insensitively and builds a version from any {@code X/m.n}; a
     * parser behind the proxy may not. Only the exact {@code HTTP/1.1} and {@code HTTP/1.0} are
     * proxied: another well-formed version is refused with 505, anything else with 400.
     */
    /**
     * While held, bytes read stay in the decoder as bytes: no more objects are made of them, so a
     * paused connection holds what it read, not a hundred times that in decoded heads. See
     * {@link DownstreamConnection}.
     */
    void hold(boolean value) {
        held = value;
    }

    /**
     * Returns how many bytes of memory the decoder holds of what the client sent: its cumulation
     * buffer, the header (or trailer) lines of a section not yet complete, and its line buffer once
     * a long line grew it (Netty keeps it at its largest for the connection's life).
     */
    long bufferedBytes() {
        ByteBuf cumulation = internalBuffer();
        long held = cumulation.readableBytes() == 0 ? 0 : cumulation.capacity();
        held += (long) sectionLines * InboundWeight.PER_LINE;
        return lineBufferBytes >= LARGE_LINE_BUFFER ? held + lineBufferBytes : held;
    }

    /**
     * Starts a new turn: up to {@link #TURN_OBJECTS} more objects may be made before the decoder
     * {@linkplain #yielded() yields}.
     */
    void newTurn() {
        turnObjects = 0;
        yielded = false;
    }

    /** Returns whether the decoder stopped, this turn, with bytes left to decode. */
    boolean yielded() {
        return yielded;
    }

    /**
     * Decodes more of what it holds, as a read of no new bytes would; {@code ctx} is this decoder's.
     * On the channel's event loop.
     */
    void decodeMore(ChannelHandlerContext ctx) {
        if (ctx == null || ctx.isRemoved()) {
            return;
        }
        try {
            channelRead(ctx, Unpooled.EMPTY_BUFFER);
            channelReadComplete(ctx);
        } catch (Exception e) {
            ctx.fireExceptionCaught(e);
        }
    }

        /** From now on, everything read is dropped undecoded (a connection closing by lingering). */
    void discard() {
        refused = true;
        held = false;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (refused) {
            buffer.skipBytes(buffer.readableBytes());
            return;
        }
        if (held) {
            return;
        }
        if (upgradeAsked) {
            if (buffer.readableBytes() > MAX_BYTES_BEFORE_SWITCH) {
                buffer.skipBytes(buffer.readableBytes());
                refused = true;
                ctx.close(); // a client that sends this much before the upgrade is answered breaks the protocol
            }
            return;
        }
        if (turnObjects >= TURN_OBJECTS) {
            yielded = buffer.isReadable();
            return;
        }
        if (atMessageStart) {
            int verdict = leadingBytes(buffer);
            if (verdict == UNDECIDED) {
                return; // wait for the byte after a CR
            }
            if (verdict == REFUSE) {
                refused = true;
                buffer.skipBytes(buffer.readableBytes());
                HttpRequest bad = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
                bad.setDecoderResult(DecoderResult.failure(
                        new IllegalArgumentException("bytes other than empty lines before a request line")));
                out.add(bad);
                return;
            }
        }
        int before = out.size();
        super.decode(ctx, buffer, out);
        turnObjects += out.size() - before;
        for (int i = before; i < out.size(); i++) {
            Object decoded = out.get(i);
            if (decoded instanceof HttpRequest request) {
                upgradeNext = request.decoderResult().isSuccess() && UpgradeRequest.protocols(request) != null;
                atMessageStart = false;
                inTrailers = true; // any header line from now on belongs to the trailer section
                sectionLines = 0;
            }
            if (decoded instanceof LastHttpContent) {
                upgradeAsked = upgradeNext;
                upgradeNext = false;
                atMessageStart = true;
                inTrailers = false;
                sectionLines = 0;
            }
        }
    }

    private static final int ACCEPT = 0;
    private static final int UNDECIDED = 1;
    private static final int REFUSE = 2;

    /** Judges the bytes before a request line: CRLF pairs, then a token character. */
    private static int leadingBytes(ByteBuf buffer) {
        int i = buffer.readerIndex();
        int end = buffer.writerIndex();
        while (i < end) {
            byte b = buffer.getByte(i);
            if (b != '\r') {
                return b > ' ' && b < 0x7f ? ACCEPT : REFUSE;
            }
            if (i + 1 == end) {
                return UNDECIDED;
            }
            if (buffer.getByte(i + 1) != '\n') {
                return REFUSE;
            }
            i += 2;
        }
        return ACCEPT;
    }

    /*
     * Netty splits the request line at any run of SP, HTAB, VT, FF or CR; RFC 9112 §3 allows
     * exactly one SP between method, target and version. "GET\r /x" or "PUT\u000b /x" would be one
     * request to the proxy and none to a strict parser before it.
     */
    @Override
    protected String splitFirstWordInitialLine(byte[] line, int start, int length) {
        lineBufferBytes = line.length;
        requireOneSpaceAfter(line, start + length);
        return super.splitFirstWordInitialLine(line, start, length);
    }

    @Override
    protected String splitSecondWordInitialLine(byte[] line, int start, int length) {
        requireOneSpaceAfter(line, start + length);
        return super.splitSecondWordInitialLine(line, start, length);
    }

    private static void requireOneSpaceAfter(byte[] line, int at) {
        if (at + 1 >= line.length || line[at] != ' ' || line[at + 1] == ' ' || line[at + 1] < ' ') {
            throw new IllegalArgumentException("the parts of the request line must be separated by exactly one space");
        }
    }

    /*
     * Netty adds each header line to the message as it is read, before the head is complete, and
     * counts only bytes: 64 KiB of empty "a:" lines are 16 000 header entries of about 100 bytes of
     * heap each, held while the head trickles in or waits behind a slow request. The line limit is
     * applied here, as each line arrives, for the head (431) and the trailers (400) alike.
     */
    @Override
    protected AsciiString splitHeaderName(byte[] sb, int start, int length) {
        lineBufferBytes = sb.length;
        if (++sectionLines > maxHeaderLines) {
            String section = inTrailers ? "trailer" : "header";
            throw new TooLongHttpHeaderException("more than " + maxHeaderLines + " " + section + " lines");
        }
        AsciiString name = super.splitHeaderName(sb, start, length);
        if (CONTENT_LENGTH.contentEqualsIgnoreCase(name)) {
            if (contentLengthSeen) {
                throw new IllegalArgumentException("more than one Content-Length field");
            }
            contentLengthSeen = true;
        }
        return name;
    }

    @Override
    protected HttpMessage createMessage(String[] initialLine) throws Exception {
        contentLengthSeen = false;
        sectionLines = 0;
        inTrailers = false;
        String version = initialLine[2];
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            if (version.length() == 8 && version.startsWith("HTTP/") && Character.isDigit(version.charAt(5))
                    && version.charAt(6) == '.' && Character.isDigit(version.charAt(7))) {
                throw new UnsupportedVersionException(version);
            }
            throw new IllegalArgumentException("invalid HTTP version \"" + version + "\"");
        }
        return super.createMessage(initialLine);
    }

    /** A well-formed HTTP version other than 1.0 and 1.1: answered with 505. */
    static final class UnsupportedVersionException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UnsupportedVersionException(String version) {
            super("unsupported HTTP version " + version);
        }
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("both Content-Length and Transfer-Encoding: chunked (request smuggling)");
    }
}
