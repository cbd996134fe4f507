package org.pingora4j.core.connectors.http.v1;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.TooLongFrameException;
import java.io.IOException;
import javax.net.ssl.SSLException;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * What a failure while reading from an upstream connection is, as a {@link PingoraException}: its
 * type, and whether the request may be retried. Mirrors how pingora's HTTP/1.x client maps read
 * errors: a malformed response or a TLS error is never retried; a closed or reset connection is
 * retried only if it happened before any response byte ({@code beforeResponse}).
 */
final class UpstreamReadErrors {

    private UpstreamReadErrors() {
    }

    /** Classifies an exception from the connection's pipeline. */
    static PingoraException classify(Throwable cause, RetryType beforeResponse, HttpPeer peer, String connection) {
        // SslHandler reports a bad record or an alert wrapped in a DecoderException: that is TLS,
        // not a malformed HTTP response.
        if (cause instanceof DecoderException && cause.getCause() instanceof SSLException ssl) {
            cause = ssl;
        }
        if (cause instanceof DecoderException) {
            return decode(cause.getCause() != null ? cause.getCause() : cause, beforeResponse, peer);
        }
        if (cause instanceof SSLException) {
            // As pingora: a TLS error is not safe to retry.
            return PingoraException.upstream(ErrorType.READ_ERROR, RetryType.NO, "TLS error (" + peer + ")", cause);
        }
        if (cause instanceof IOException) {
            return PingoraException.upstream(ErrorType.READ_ERROR, beforeResponse,
                    "read failed (" + peer + ", " + connection + ")", cause);
        }
        return PingoraException.upstream(ErrorType.UNKNOWN_ERROR, RetryType.NO, "upstream pipeline error (" + peer + ")", cause);
    }

    /** Classifies what the response decoder failed on. */
    static PingoraException decode(Throwable cause, RetryType beforeResponse, HttpPeer peer) {
        if (cause instanceof PrematureChannelClosureException) {
            return PingoraException.upstream(ErrorType.CONNECTION_CLOSED, beforeResponse,
                    "upstream closed the connection mid-response (" + peer + ")", cause);
        }
        ErrorType type = cause instanceof TooLongFrameException ? ErrorType.INVALID_HTTP_HEADER : ErrorType.H1_ERROR;
        return PingoraException.upstream(type, RetryType.NO, "invalid response (" + peer + ")", cause);
    }
}
