package org.pingora4j.proxy;

import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;

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
 */
final class RequestDecoder extends HttpRequestDecoder {

    RequestDecoder(HttpServerOptions options) {
        super(new HttpDecoderConfig()
                .setMaxInitialLineLength(options.maxInitialLineLength())
                .setMaxHeaderSize(options.maxHeaderSize())
                .setStrictLineParsing(true)
                .setUseRfc9112TransferEncoding(true)
                .setAllowDuplicateContentLengths(false)
                .setValidateHeaders(true)
                .setChunkedSupported(true));
    }

    @Override
    protected void handleTransferEncodingChunkedWithContentLength(HttpMessage message) {
        throw new IllegalArgumentException("both Content-Length and Transfer-Encoding: chunked (request smuggling)");
    }
}
