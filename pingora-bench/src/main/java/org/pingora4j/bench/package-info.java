/**
 * JMH benchmarks of pingora4j. Packages mirror the production modules ({@code pool}, later
 * {@code connectors} and {@code proxy}); each benchmark class answers one question and measures
 * pingora4j against a baseline in the same run. See {@code pingora-bench/README.md}.
 */
package org.pingora4j.bench;
