package org.pingora4j.core.error;

/**
 * Whether the request that failed may be sent again. Mirrors pingora's {@code RetryType}: either
 * decided, or {@link #REUSED_ONLY}, "retry if the failure happened on a reused connection", which
 * can only be settled by whoever knows whether the connection was reused.
 */
public enum RetryType {
    /** Do not retry. */
    NO,
    /** Retry (on another connection). */
    YES,
    /**
     * Retry only if the connection was reused: the failure (EOF, reset) before any response byte is
     * what a pooled connection the origin closed looks like, while on a fresh connection it means
     * the origin is failing. Pingora's {@code ReusedOnly}.
     */
    REUSED_ONLY;

    /** Returns the decided value for a failure on a connection that was (not) {@code reused}. */
    public RetryType decideReuse(boolean reused) {
        return this == REUSED_ONLY ? (reused ? YES : NO) : this;
    }

    /**
     * Returns whether to retry.
     *
     * @throws IllegalStateException if still {@link #REUSED_ONLY}: call {@link #decideReuse} first
     */
    public boolean retry() {
        if (this == REUSED_ONLY) {
            throw new IllegalStateException("retry: REUSED_ONLY must be decided with decideReuse(reused) first");
        }
        return this == YES;
    }
}
