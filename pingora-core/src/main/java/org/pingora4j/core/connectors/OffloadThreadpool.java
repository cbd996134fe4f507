package org.pingora4j.core.connectors;

/**
 * Dedicated thread pools that establish upstream connections, so that CPU-heavy TCP and TLS
 * handshakes cannot starve the threads serving traffic. Mirrors the {@code (pools, threads)} pair of
 * pingora's {@code ConnectorOptions::offload_threadpool}.
 *
 * @param pools how many pools; a peer always connects through the same one
 * @param threadsPerPool how many threads each pool has
 */
public record OffloadThreadpool(int pools, int threadsPerPool) {

    /**
     * Checks that there is at least one pool of at least one thread. Mirrors pingora's filter that
     * drops the offload setting when either number is 0.
     *
     * @throws IllegalArgumentException if {@code pools} or {@code threadsPerPool} is below 1
     */
    public OffloadThreadpool {
        if (pools < 1) {
            throw new IllegalArgumentException("pools: " + pools + " (expected: >= 1)");
        }
        if (threadsPerPool < 1) {
            throw new IllegalArgumentException("threadsPerPool: " + threadsPerPool + " (expected: >= 1)");
        }
    }
}
