package org.pingora4j.core.error;

/** Which side of the proxy an error came from. Mirrors pingora's {@code ErrorSource}. */
public enum ErrorSource {
    /** The upstream (origin) connection or its peer. */
    UPSTREAM,
    /** The downstream (client) connection. */
    DOWNSTREAM,
    /** The proxy itself: configuration, a bug, a user callback. */
    INTERNAL,
    /** Not yet known; a caller up the stack decides. */
    UNSET
}
