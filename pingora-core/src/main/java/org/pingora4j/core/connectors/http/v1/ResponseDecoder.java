package org.pingora4j.core.connectors.http.v1;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.util.List;

/**
 * Netty's HTTP/1.x response decoder, told which request each response answers (a response to
 * HEAD has no body, whatever its headers say) and able to report bytes it holds beyond a finished
 * response: bytes a server sent ahead of any request, which make the connection unusable (pingora's
 * "over-read" check).
 *
 * <p>Every strictness setting is pinned rather than left to Netty's defaults, which system
 * properties can change JVM-wide: strict line endings, RFC 9112 transfer-coding rules, one
 * Content-Length, validated headers. A response with both Content-Length and Transfer-Encoding is
 * an error (502), as nginx treats it: which of them frames the body is exactly what a response
 * splitting attack relies on parsers disagreeing about.
 */
final class ResponseDecoder extends HttpResponseDecoder {

    /** Header limits: as Netty's defaults, with room for the large cookies some origins send. */
    static final int MAX_INITIAL_LINE = 8192;
    static final int MAX_HEADER_SIZE = 64 * 1024;
    /**
     * Up to one socket read's worth of body per part (Netty's default is 8 KiB): the parts are
     * slices of the read buffer, not copies, so a larger bound costs no memory, and a 64 KiB read
     * then goes to the client as one write instead of eight.
     */
    static final int MAX_CHUNK_SIZE = 64 * 1024;

    private final UpstreamConnection connection;
    /**
     * A {@code 101} was decoded: what follows is another protocol's, kept here as bytes until the
     * session switches (removing the decoder hands them on) or the connection closes. Netty's own
     * upgrade state is not relied on: after a 101 it decodes on, and its line parser takes the new
     * protocol's bytes into a buffer of its own, where a switch would lose them.
     */
    private boolean switched;

    ResponseDecoder(UpstreamConnection connection) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)
                .setMaxChunkSize(MAX_CHUNK_SIZE)
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setAllowDuplicateContentLengths(false)
                .setValidateHeaders(true)
                .setChunkedSupported(true));
        this.connection = connection;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf buffer, List<Object> out) throws Exception {
        if (switched) {
            return;
        }
        int before = out.size();
        super.decode(ctx, buffer, out);
        for (int i = before; i < out.size(); i++) {
            if (out.get(i) instanceof HttpResponse response && response.status().code() == 101) {
                switched = true;
            }
        }
    }

    @Override
    protected boolean isContentAlwaysEmpty(HttpMessage msg) {
        Http1ClientSession session = connection.session;
        if (session != null && session.isHeadRequest()) {
            return true;
        }
        boolean empty = super.isContentAlwaysEmpty(msg);
        if (!empty) {
            requireOnlyChunked(msg);
        }
        return empty;
    }

    /**
     * A transfer coding other than chunked (say {@code gzip}, or {@code gzip, chunked}) cannot be
     * undone here, and {@code Transfer-Encoding} is hop-by-hop: forwarded without it, the client
     * would take coded bytes for the body with nothing saying so. Such a response is an error (502),
     * as nginx treats it ("unsupported transfer encoding").
     */
    private static void requireOnlyChunked(HttpMessage msg) {
        List<String> codings = msg.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING);
        if (codings.isEmpty()) {
            return;
        }
        if (codings.size() != 1 || !codings.get(0).trim().equalsIgnoreCase("chunked")) {
            throw new IllegalArgumentException("a response with Transfer-Encoding \""
                    + String.join(", ", codings) + "\" (only chunked can be forwarded)");
        }
    }

    /**
     * Netty accepts any number as a status and any {@code X/m.n} version; the proxy would forward
     * them as a status line its client cannot parse. RFC 9112 §4: {@code HTTP/1.x}, then a
     * three-digit status from 100 to 599, then a reason phrase without control characters.
     */
    @Override
    protected HttpMessage createMessage(String[] initialLine) {
        String version = initialLine[0];
        String status = initialLine[1];
        if (!version.equals("HTTP/1.1") && !version.equals("HTTP/1.0")) {
            throw new IllegalArgumentException("invalid HTTP version in the status line: \"" + version + "\"");
        }
        if (status.length() != 3 || status.charAt(0) < '1' || status.charAt(0) > '5'
                || !Character.isDigit(status.charAt(1)) || !Character.isDigit(status.charAt(2))) {
            throw new IllegalArgumentException("invalid status code \"" + status + "\"");
        }
        String reason = initialLine[2];
        for (int i = 0; i < reason.length(); i++) {
            char c = reason.charAt(i);
            if ((c < ' ' && c != '\t') || c == 0x7f) {
                throw new IllegalArgumentException("a control character in the reason phrase");
            }
        }
        return super.createMessage(initialLine);
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("a response with both Content-Length and Transfer-Encoding");
    }

    /** Returns how many received bytes wait in the decoder, not yet part of any message. */
    int bufferedBytes() {
        return actualReadableBytes();
    }
}
