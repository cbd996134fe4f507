package org.pingora4j.core.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

final class PingoraExceptionTest {

    @Test
    void messageReadsLikePingora() {
        PingoraException e = PingoraException.upstream(ErrorType.CONNECT_REFUSED, "x", new IOException("y"));
        assertEquals("CONNECT_REFUSED context: x cause: y", e.getMessage());
        assertEquals(ErrorType.CONNECT_REFUSED, e.type());
        assertEquals(ErrorSource.UPSTREAM, e.source());
        assertEquals("x", e.context());
        assertEquals(0, e.httpStatus());
        assertTrue(e.getCause() instanceof IOException);
    }

    @Test
    void messageOmitsWhatIsMissing() {
        assertEquals("READ_ERROR", PingoraException.explain(ErrorType.READ_ERROR, ErrorSource.UPSTREAM, null).getMessage());
        assertEquals("READ_ERROR context: c",
                PingoraException.explain(ErrorType.READ_ERROR, ErrorSource.UPSTREAM, "c").getMessage());
        assertEquals("WRITE_ERROR cause: IOException",
                PingoraException.because(ErrorType.WRITE_ERROR, ErrorSource.DOWNSTREAM, null, new IOException()).getMessage());
    }

    @Test
    void messageOfANestedCauseIsTheCausesMessage() {
        PingoraException inner = PingoraException.upstream(ErrorType.CONNECT_REFUSED, "inner", new ConnectException("Connection refused"));
        PingoraException outer = PingoraException.upstream(ErrorType.CONNECT_ERROR, "outer", inner);
        assertEquals("CONNECT_ERROR context: outer cause: CONNECT_REFUSED context: inner cause: Connection refused",
                outer.getMessage());
    }

    @Test
    void factoriesSetSourceAndRetry() {
        assertEquals(ErrorSource.DOWNSTREAM, PingoraException.downstream(ErrorType.READ_ERROR, "c", null).source());
        assertEquals(RetryType.NO, PingoraException.downstream(ErrorType.READ_ERROR, "c", null).retryType());
        assertEquals(ErrorSource.INTERNAL, PingoraException.internal(ErrorType.INTERNAL_ERROR, "c", null).source());
        assertEquals(RetryType.NO, PingoraException.internal(ErrorType.INTERNAL_ERROR, "c", null).retryType());
        assertEquals(RetryType.NO, PingoraException.upstream(ErrorType.READ_ERROR, "c", null).retryType());
        assertEquals(RetryType.YES, PingoraException.upstream(ErrorType.READ_ERROR, RetryType.YES, "c", null).retryType());
        assertEquals(ErrorSource.UNSET, PingoraException.httpStatus(502, "c").source());
        assertThrows(NullPointerException.class, () -> PingoraException.explain(null, ErrorSource.UPSTREAM, "c"));
        assertThrows(NullPointerException.class, () -> PingoraException.explain(ErrorType.READ_ERROR, null, "c"));
    }

    @Test
    void reusedOnlyIsDecidedByReuse() {
        PingoraException reused = PingoraException.upstream(ErrorType.CONNECTION_CLOSED, RetryType.REUSED_ONLY, "c", null);
        assertSame(reused, reused.decideReuse(true));
        assertEquals(RetryType.YES, reused.retryType());
        assertTrue(reused.retry());

        PingoraException fresh = PingoraException.upstream(ErrorType.CONNECTION_CLOSED, RetryType.REUSED_ONLY, "c", null);
        assertSame(fresh, fresh.decideReuse(false));
        assertEquals(RetryType.NO, fresh.retryType());
        assertFalse(fresh.retry());
    }

    @Test
    void decideReuseLeavesADecidedRetryAlone() {
        assertEquals(RetryType.NO, PingoraException.upstream(ErrorType.READ_ERROR, RetryType.NO, "c", null)
                .decideReuse(true).retryType());
        assertEquals(RetryType.YES, PingoraException.upstream(ErrorType.READ_ERROR, RetryType.YES, "c", null)
                .decideReuse(false).retryType());
        assertEquals(RetryType.YES, RetryType.REUSED_ONLY.decideReuse(true));
        assertEquals(RetryType.NO, RetryType.REUSED_ONLY.decideReuse(false));
        assertEquals(RetryType.YES, RetryType.YES.decideReuse(false));
        assertEquals(RetryType.NO, RetryType.NO.decideReuse(true));
    }

    @Test
    void retryThrowsWhileUndecided() {
        PingoraException e = PingoraException.upstream(ErrorType.CONNECTION_CLOSED, RetryType.REUSED_ONLY, "c", null);
        IllegalStateException thrown = assertThrows(IllegalStateException.class, e::retry);
        assertEquals("retry: REUSED_ONLY must be decided with decideReuse(reused) first", thrown.getMessage());
        assertEquals(RetryType.REUSED_ONLY, e.retryType());
        assertThrows(IllegalStateException.class, RetryType.REUSED_ONLY::retry);
        assertTrue(RetryType.YES.retry());
        assertFalse(RetryType.NO.retry());
    }

    @Test
    void setRetryOverrides() {
        PingoraException e = PingoraException.upstream(ErrorType.CONNECTION_CLOSED, RetryType.REUSED_ONLY, "c", null);
        assertSame(e, e.setRetry(true));
        assertTrue(e.retry());
        e.setRetry(false);
        assertFalse(e.retry());
        assertEquals(RetryType.NO, e.retryType());
    }

    @Test
    void retryIsInheritedFromAPingoraExceptionCause() {
        PingoraException yes = PingoraException.upstream(ErrorType.READ_ERROR, RetryType.YES, "inner", null);
        assertEquals(RetryType.YES, PingoraException.upstream(ErrorType.READ_ERROR, "outer", yes).retryType());
        assertEquals(RetryType.YES, PingoraException.because(ErrorType.READ_ERROR, ErrorSource.UPSTREAM, "outer", yes)
                .retryType());

        PingoraException undecided = PingoraException.upstream(ErrorType.CONNECTION_CLOSED, RetryType.REUSED_ONLY, "i", null);
        PingoraException wrapper = PingoraException.upstream(ErrorType.READ_ERROR, "outer", undecided);
        assertEquals(RetryType.REUSED_ONLY, wrapper.retryType());
        wrapper.decideReuse(true);
        assertTrue(wrapper.retry());

        // through a non-pingora wrapper too
        PingoraException deep = PingoraException.upstream(ErrorType.READ_ERROR, "outer",
                new CompletionException(new UncheckedIOException(new IOException(yes))));
        assertEquals(RetryType.YES, deep.retryType());

        // no pingora cause, and explicit decisions or non-upstream factories, do not inherit
        assertEquals(RetryType.NO, PingoraException.upstream(ErrorType.READ_ERROR, "c", new IOException()).retryType());
        assertEquals(RetryType.NO, PingoraException.upstream(ErrorType.READ_ERROR, RetryType.NO, "c", yes).retryType());
        assertEquals(RetryType.NO, PingoraException.downstream(ErrorType.READ_ERROR, "c", yes).retryType());
        assertEquals(RetryType.NO, PingoraException.internal(ErrorType.INTERNAL_ERROR, "c", yes).retryType());
    }

    @Test
    void findWalksTheCauseChain() {
        PingoraException target = PingoraException.upstream(ErrorType.INVALID_CERT, "c", null);
        assertSame(target, PingoraException.find(target));
        assertSame(target, PingoraException.find(new CompletionException(target)));
        assertSame(target, PingoraException.find(new RuntimeException(new IOException(new CompletionException(target)))));
        PingoraException outer = PingoraException.upstream(ErrorType.CONNECT_ERROR, "o", target);
        assertSame(outer, PingoraException.find(outer), "the outermost one wins");
        assertSame(outer, PingoraException.find(new CompletionException(outer)));
        assertNull(PingoraException.find(new IOException(new RuntimeException())));
        assertNull(PingoraException.find(null));
    }

    @Test
    void httpStatusCarriesItsCode() {
        PingoraException e = PingoraException.httpStatus(502, "bad gateway");
        assertEquals(ErrorType.HTTP_STATUS, e.type());
        assertEquals(502, e.httpStatus());
        assertEquals("HTTP_STATUS(502) context: bad gateway", e.getMessage());
        assertFalse(e.retry());
        assertEquals(100, PingoraException.httpStatus(100, null).httpStatus());
        assertEquals("HTTP_STATUS(599)", PingoraException.httpStatus(599, null).getMessage());
    }

    @Test
    void httpStatusRejectsCodesOutOfRange() {
        assertEquals("status: 99 (expected: 100..599)",
                assertThrows(IllegalArgumentException.class, () -> PingoraException.httpStatus(99, "c")).getMessage());
        assertEquals("status: 600 (expected: 100..599)",
                assertThrows(IllegalArgumentException.class, () -> PingoraException.httpStatus(600, "c")).getMessage());
        assertThrows(IllegalArgumentException.class, () -> PingoraException.httpStatus(0, "c"));
        assertThrows(IllegalArgumentException.class, () -> PingoraException.httpStatus(-200, "c"));
    }
}
