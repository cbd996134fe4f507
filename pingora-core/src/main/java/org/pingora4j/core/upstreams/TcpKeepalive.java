package org.pingora4j.core.upstreams;

import java.time.Duration;

/**
 * TCP keepalive probing for an upstream socket ({@code SO_KEEPALIVE}, {@code TCP_KEEPIDLE},
 * {@code TCP_KEEPINTVL}, {@code TCP_KEEPCNT}). Mirrors pingora's {@code TcpKeepalive}. It is how an
 * idle pooled connection whose peer vanished without a FIN (a load balancer dropped its state) is
 * eventually noticed.
 *
 * @param idle how long the connection is idle before the first probe (1 s granularity, >= 1 s)
 * @param interval time between probes (>= 1 s)
 * @param count unanswered probes before the connection is dropped (1..127)
 */
public record TcpKeepalive(Duration idle, Duration interval, int count) {

    /**
     * Validates the components.
     *
     * @throws IllegalArgumentException if a component is out of range
     */
    public TcpKeepalive {
        requireSeconds("idle", idle);
        requireSeconds("interval", interval);
        if (count < 1 || count > 127) {
            throw new IllegalArgumentException("count: " + count + " (expected: 1..127)");
        }
    }

    private static void requireSeconds(String name, Duration value) {
        if (value == null) {
            throw new NullPointerException(name);
        }
        if (value.getSeconds() < 1 || value.getSeconds() > 32767) {
            throw new IllegalArgumentException(name + ": " + value + " (expected: 1s..32767s)");
        }
    }
}
