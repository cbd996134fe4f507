package org.pingora4j.examples;

import org.pingora4j.core.error.PingoraException;
import org.pingora4j.proxy.ProxyHttp;
import org.pingora4j.proxy.Session;

/**
 * The chapter's "monitoring connection pool use" snippet: a {@code logging} phase that reports, per
 * request, whether the upstream connection was reused. Implement it instead of {@link ProxyHttp}
 * to get the hook; {@link #report} decides where the line goes (standard output by default).
 *
 * @param <C> the per-request context
 */
public interface ReuseMonitoring<C> extends ProxyHttp<C> {

    /** Prints {@code line}; override to send it elsewhere. */
    default void report(String line) {
        System.out.println(line);
    }

    // tag::logging[]
    @Override
    default void logging(Session session, PingoraException error, C ctx) {
        // Record whether the upstream connection was reused
        if (session.upstreamDigest() != null) {
            boolean reused = session.upstreamDigest().reused();
            report("Connection reused: " + reused);
        }
    }
    // end::logging[]
}
