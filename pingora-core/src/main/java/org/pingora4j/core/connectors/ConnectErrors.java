package org.pingora4j.core.connectors;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import javax.net.ssl.SSLException;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;
import org.pingora4j.core.upstreams.HttpPeer;

/**
 * Turns what Netty and the JDK throw while connecting into errors that say which step failed.
 *
 * <p>A TCP connect that was refused, reset or closed is retryable ({@link RetryType#YES}) for any
 * method: no byte of the request was sent (HAProxy's {@code retries}; pingora leaves it to
 * {@code fail_to_connect}). Timeouts are not (a retry would double the wait on an origin that is
 * down), nor are DNS, routing, bind and TLS failures (the next try would fail the same way).
 */
final class ConnectErrors {

    private ConnectErrors() {
    }

    static PingoraException map(Throwable cause, HttpPeer peer, boolean duringTls) {
        PingoraException existing = PingoraException.find(cause);
        if (existing != null) {
            return existing;
        }
        String where = peer.toString();
        if (cause instanceof UnknownHostException) {
            return PingoraException.upstream(ErrorType.DNS_FAILED, "cannot resolve " + peer.host() + " (" + where + ")", cause);
        }
        if (cause instanceof ConnectTimeoutException) {
            return PingoraException.upstream(ErrorType.CONNECT_TIMEDOUT, "TCP connect timed out (" + where + ")", cause);
        }
        if (cause instanceof SslHandshakeTimeoutException) {
            return PingoraException.upstream(ErrorType.TLS_HANDSHAKE_TIMEDOUT, "TLS handshake timed out (" + where + ")", cause);
        }
        if (cause instanceof BindException) {
            return PingoraException.upstream(ErrorType.BIND_ERROR, "cannot bind the local address (" + where + ")", cause);
        }
        if (cause instanceof NoRouteToHostException) {
            return PingoraException.upstream(ErrorType.CONNECT_NO_ROUTE, "no route to " + where, cause);
        }
        if (cause instanceof ConnectException && !duringTls) {
            String message = String.valueOf(cause.getMessage());
            ErrorType type = message.contains("refused") ? ErrorType.CONNECT_REFUSED : ErrorType.CONNECT_ERROR;
            return PingoraException.upstream(type, RetryType.YES, "TCP connect failed (" + where + ")", cause);
        }
        if (cause instanceof SSLException || duringTls) {
            if (hasCause(cause, CertificateException.class)) {
                return PingoraException.upstream(ErrorType.INVALID_CERT, certificateProblem(cause) + " (" + where + ")", cause);
            }
            String detail = cause instanceof ClosedChannelException ? "connection closed during TLS handshake" : "TLS handshake failed";
            return PingoraException.upstream(ErrorType.TLS_HANDSHAKE_FAILURE, detail + " (" + where + ")", cause);
        }
        // Reset or closed while connecting: as refused, nothing was sent.
        return PingoraException.upstream(ErrorType.CONNECT_ERROR, RetryType.YES, "connect failed (" + where + ")", cause);
    }

    /**
     * Says why the chain was rejected, in the words an operator searches for: the JDK's own
     * messages ("PKIX path building failed", "validity check failed") do not.
     */
    private static String certificateProblem(Throwable cause) {
        if (hasCause(cause, CertificateExpiredException.class)) {
            return "certificate expired";
        }
        if (hasCause(cause, CertificateNotYetValidException.class)) {
            return "certificate not yet valid";
        }
        CertPathValidatorException validation = findCause(cause, CertPathValidatorException.class);
        if (validation != null) {
            CertPathValidatorException.Reason reason = validation.getReason();
            if (reason == CertPathValidatorException.BasicReason.EXPIRED) {
                return "certificate expired";
            }
            if (reason == CertPathValidatorException.BasicReason.NOT_YET_VALID) {
                return "certificate not yet valid";
            }
            if (reason == CertPathValidatorException.BasicReason.REVOKED) {
                return "certificate revoked";
            }
        }
        if (hasCause(cause, CertPathBuilderException.class)) {
            return "certificate not trusted: no path to a trusted root";
        }
        return "certificate rejected";
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        return findCause(t, type) != null;
    }

    private static <T extends Throwable> T findCause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }
}
