package org.pingora4j.proxy;

import io.netty.handler.codec.http.HttpRequest;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.pingora4j.core.error.ErrorSource;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.upstreams.HttpPeer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a proxy service reports requests that failed or were refused, so that what is normal under
 * load does not flood the log: a client that leaves mid-response is counted and logged at DEBUG
 * (bursty clients do it hundreds of times a minute), and requests refused for the client's fault
 * (malformed, too slow) are logged at most once a second, with the number left out. A phase's own
 * answer ({@code httpStatus} below 500) is not a failure: DEBUG. Failures of the upstream or the
 * proxy itself are logged at ERROR, each once. Shared by the service's event loops: counters are {@link LongAdder}s,
 * and the once-a-second gate is one compare-and-set on a deadline.
 */
final class FailureLog {

    private static final Logger logger = LoggerFactory.getLogger(ProxyRequest.class);
    private static final Logger rejections = LoggerFactory.getLogger(DownstreamConnection.class);
    private static final long REJECTION_LOG_INTERVAL = TimeUnit.SECONDS.toNanos(1);

    private final LongAdder clientGone = new LongAdder();
    private final LongAdder rejected = new LongAdder();
    private final LongAdder answered = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final AtomicLong nextRejectionLine = new AtomicLong(System.nanoTime());
    private final AtomicLong rejectedUnlogged = new AtomicLong();

    /** Reports a request that ended with {@code error}, answered with {@code status} (0: not answered). */
    void requestFailed(PingoraException error, int status, int retries, String phase, HttpPeer peer, HttpRequest request,
                       SocketAddress client) {
        if (error.source() == ErrorSource.DOWNSTREAM) {
            if (status == 0) {
                clientGone.increment();
                logger.debug("Client left: {}, phase: {}, peer: {}, request: {} {}",
                        error.getMessage(), phase, peer, request.method(), request.uri());
            } else {
                // The client's own fault (a malformed or stalled body): as common as refused heads.
                requestRejected(client, status, error.getMessage());
            }
            return;
        }
        failed.increment();
        logger.error("Fail to proxy: {}, status: {}, tries: {}, phase: {}, peer: {}, request: {} {}",
                error.getMessage(), status, retries + 1, phase, peer, request.method(), request.uri());
    }

    /**
     * Reports a request a phase answered with {@code PingoraException.httpStatus} below 500: a
     * deliberate answer (an auth filter's 403), at DEBUG, since an ERROR line per refusal would flood the log.
     */
    void requestAnswered(PingoraException answer, int status, String phase, HttpRequest request) {
        answered.increment();
        logger.debug("Answered {} in {}: {}, request: {} {}", status, phase, answer.getMessage(), request.method(),
                request.uri());
    }

    /** Reports a request refused for the client's fault: malformed, too slow, or not proxied. */
    void requestRejected(SocketAddress client, int status, String why) {
        rejected.increment();
        long now = System.nanoTime();
        long next = nextRejectionLine.get();
        if (now - next < 0 || !nextRejectionLine.compareAndSet(next, now + REJECTION_LOG_INTERVAL)) {
            rejectedUnlogged.incrementAndGet();
            return;
        }
        long skipped = rejectedUnlogged.getAndSet(0);
        if (skipped == 0) {
            rejections.info("Rejected request from {}: {} ({})", client, status, why);
        } else {
            rejections.info("Rejected request from {}: {} ({}); {} more rejected since the last such line",
                    client, status, why, skipped);
        }
    }

    /** Returns how many requests ended because their client went away. */
    long clientGone() {
        return clientGone.sum();
    }

    /** Returns how many requests a phase answered with a status below 500 (logged at DEBUG). */
    long answered() {
        return answered.sum();
    }

    /** Returns how many failures were logged at ERROR. */
    long failed() {
        return failed.sum();
    }

    /** Returns how many requests were refused for the client's fault. */
    long rejected() {
        return rejected.sum();
    }
}
