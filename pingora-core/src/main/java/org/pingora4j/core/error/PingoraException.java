package org.pingora4j.core.error;

/**
 * The one error type of pingora4j: what went wrong ({@link ErrorType}), on which side
 * ({@link ErrorSource}), whether the request may be retried ({@link RetryType}), a human context
 * and an optional cause. Mirrors pingora's {@code Error} ({@code pingora-error}).
 *
 * <p>Unchecked, so that it passes through user callbacks and {@code CompletionStage} chains. The
 * message reads like pingora's: {@code "CONNECT_REFUSED context: 127.0.0.1:1 (api.example.com)
 * cause: Connection refused"}.
 *
 * <p>The retry decision is the only mutable part: it is settled after the fact by the layer that
 * knows whether the connection was reused ({@link #decideReuse(boolean)}), as in pingora.
 */
public final class PingoraException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorType type;
    private final ErrorSource source;
    private final String context;
    private final int httpStatus;
    private volatile RetryType retry;

    private PingoraException(ErrorType type, ErrorSource source, RetryType retry, String context,
                             int httpStatus, Throwable cause) {
        super(message(type, httpStatus, context, cause), cause);
        if (type == null) {
            throw new NullPointerException("type");
        }
        if (source == null) {
            throw new NullPointerException("source");
        }
        this.type = type;
        this.source = source;
        this.retry = retry == null ? inheritedRetry(cause) : retry;
        this.context = context;
        this.httpStatus = httpStatus;
    }

    /** Returns an error of {@code type} from {@code source}, explained by {@code context}. */
    public static PingoraException explain(ErrorType type, ErrorSource source, String context) {
        return new PingoraException(type, source, null, context, 0, null);
    }

    /** Returns an error of {@code type} from {@code source} caused by {@code cause}. */
    public static PingoraException because(ErrorType type, ErrorSource source, String context,
                                           Throwable cause) {
        return new PingoraException(type, source, null, context, 0, cause);
    }

    /** Returns an upstream error; the retry decision is inherited from the cause, or no. */
    public static PingoraException upstream(ErrorType type, String context, Throwable cause) {
        return new PingoraException(type, ErrorSource.UPSTREAM, null, context, 0, cause);
    }

    /** Returns an upstream error with an explicit retry decision. */
    public static PingoraException upstream(ErrorType type, RetryType retry, String context,
                                            Throwable cause) {
        return new PingoraException(type, ErrorSource.UPSTREAM, retry, context, 0, cause);
    }

    /** Returns a downstream error. */
    public static PingoraException downstream(ErrorType type, String context, Throwable cause) {
        return new PingoraException(type, ErrorSource.DOWNSTREAM, RetryType.NO, context, 0, cause);
    }

    /** Returns an internal error. */
    public static PingoraException internal(ErrorType type, String context, Throwable cause) {
        return new PingoraException(type, ErrorSource.INTERNAL, RetryType.NO, context, 0, cause);
    }

    /**
     * Returns an error that should be answered with HTTP status {@code status}.
     *
     * @throws IllegalArgumentException if {@code status} is not 100..599
     */
    public static PingoraException httpStatus(int status, String context) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status: " + status + " (expected: 100..599)");
        }
        return new PingoraException(ErrorType.HTTP_STATUS, ErrorSource.UNSET, RetryType.NO, context,
                status, null);
    }

    /** Returns what went wrong. */
    public ErrorType type() {
        return type;
    }

    /** Returns which side the error came from. */
    public ErrorSource source() {
        return source;
    }

    /** Returns the context given when the error was made, or null. */
    public String context() {
        return context;
    }

    /** Returns the HTTP status of an {@link ErrorType#HTTP_STATUS} error, otherwise 0. */
    public int httpStatus() {
        return httpStatus;
    }

    /** Returns the retry decision, possibly still {@link RetryType#REUSED_ONLY}. */
    public RetryType retryType() {
        return retry;
    }

    /** Sets the retry decision explicitly; pingora's {@code set_retry}. */
    public PingoraException setRetry(boolean retry) {
        this.retry = retry ? RetryType.YES : RetryType.NO;
        return this;
    }

    /** Settles a {@link RetryType#REUSED_ONLY} decision given whether the connection was reused. */
    public PingoraException decideReuse(boolean reused) {
        this.retry = retry.decideReuse(reused);
        return this;
    }

    /** Returns whether to retry; see {@link RetryType#retry()}. */
    public boolean retry() {
        return retry.retry();
    }

    /** Returns {@code t} itself if it is a PingoraException, or the first one among its causes, or null. */
    public static PingoraException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof PingoraException p) {
                return p;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }

    private static RetryType inheritedRetry(Throwable cause) {
        PingoraException p = cause == null ? null : find(cause);
        return p == null ? RetryType.NO : p.retryType();
    }

    private static String message(ErrorType type, int httpStatus, String context, Throwable cause) {
        StringBuilder sb = new StringBuilder(type == null ? "null" : type.name());
        if (type == ErrorType.HTTP_STATUS) {
            sb.append('(').append(httpStatus).append(')');
        }
        if (context != null) {
            sb.append(" context: ").append(context);
        }
        if (cause != null) {
            sb.append(" cause: ").append(cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName());
        }
        return sb.toString();
    }
}
