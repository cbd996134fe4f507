package org.pingora4j.proxy;

import org.pingora4j.core.error.ErrorSource;
import org.pingora4j.core.error.PingoraException;

/**
 * The HTTP status that answers a request that failed with an error. Mirrors pingora's default
 * {@code fail_to_proxy} mapping, with one change users ask pingora for: an upstream timeout is a
 * 504 Gateway Timeout, not a 502.
 */
public final class ErrorStatus {

    private ErrorStatus() {
    }

    /** Returns the status for {@code e}, or 0 when nothing can be sent (the client is gone). */
    public static int of(PingoraException e) {
        switch (e.type()) {
            case HTTP_STATUS:
                return e.httpStatus();
            case CONNECT_TIMEDOUT:
            case TLS_HANDSHAKE_TIMEDOUT:
            case READ_TIMEDOUT:
            case WRITE_TIMEDOUT:
                if (e.source() == ErrorSource.UPSTREAM) {
                    return 504;
                }
                break;
            default:
                break;
        }
        switch (e.source()) {
            case UPSTREAM:
                return 502;
            case DOWNSTREAM:
                switch (e.type()) {
                    case READ_TIMEDOUT:
                        return 408; // the client stalled mid-request; it may still read the answer
                    case READ_ERROR:
                    case WRITE_ERROR:
                    case CONNECTION_CLOSED:
                    case WRITE_TIMEDOUT:
                        return 0;
                    default:
                        return 400;
                }
            default:
                return 500;
        }
    }
}
