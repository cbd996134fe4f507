package org.pingora4j.proxy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;

/**
 * Turns what a user's phase does into something the request's state machine can rely on: a phase
 * that throws, or returns null, becomes a failed stage, and whatever a stage fails with becomes a
 * {@link PingoraException} (an {@code INTERNAL_ERROR} naming the phase, unless it already is one).
 */
final class PhaseResults {

    /* Never handed out: only read here, so nobody can complete or obtrude them. */
    private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);
    private static final CompletableFuture<Boolean> CONTINUE = CompletableFuture.completedFuture(false);
    private static final CompletableFuture<Boolean> RESPONDED = CompletableFuture.completedFuture(true);

    private PhaseResults() {
    }

    /** Calls a phase; never throws. */
    static <T> CompletionStage<T> call(Supplier<CompletionStage<T>> phase) {
        try {
            CompletionStage<T> stage = phase.get();
            return stage != null ? stage : CompletableFuture.failedFuture(
                    PingoraException.internal(ErrorType.INTERNAL_ERROR, "a phase returned a null stage", null));
        } catch (RuntimeException | Error e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /**
     * Returns whether {@code stage} already completed normally, so that its continuation can run
     * inline, without the continuation machinery (phases mostly return completed stages).
     */
    static boolean succeeded(CompletionStage<?> stage) {
        CompletableFuture<?> f = completed(stage);
        return f != null && !f.isCompletedExceptionally();
    }

    /**
     * Returns {@code stage} as a future if it already completed, else null. A stage from
     * {@link CompletableFuture#completedStage} is a "minimal" stage that refuses {@code isDone}; its
     * {@code toCompletableFuture} copy answers (a stage of another kind may refuse both: null).
     */
    @SuppressWarnings("unchecked")
    static <T> CompletableFuture<T> completed(CompletionStage<T> stage) {
        // The phases' own constants, which most phases return: answered without the copy that
        // toCompletableFuture makes of a minimal stage (one per phase per request otherwise).
        if (stage == ProxyHttp.DONE) {
            return (CompletableFuture<T>) DONE;
        }
        if (stage == ProxyHttp.CONTINUE) {
            return (CompletableFuture<T>) CONTINUE;
        }
        if (stage == ProxyHttp.RESPONDED) {
            return (CompletableFuture<T>) RESPONDED;
        }
        CompletableFuture<T> f;
        try {
            f = stage.toCompletableFuture();
        } catch (UnsupportedOperationException e) {
            return null;
        }
        return f.isDone() ? f : null;
    }

    /** Returns the PingoraException in {@code error}, or an internal error caused by it. */
    static PingoraException asError(Throwable error, String phase) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        PingoraException p = PingoraException.find(cause);
        return p != null ? p : internal(phase, cause);
    }

    /** Returns an internal error for a phase that failed with {@code cause}. */
    static PingoraException internal(String phase, Throwable cause) {
        return PingoraException.internal(ErrorType.INTERNAL_ERROR, "phase " + phase + " failed", cause);
    }
}
