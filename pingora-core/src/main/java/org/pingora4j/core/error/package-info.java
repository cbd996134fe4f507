/**
 * The one error type of pingora4j, {@link org.pingora4j.core.error.PingoraException}, with its
 * {@link org.pingora4j.core.error.ErrorType}, {@link org.pingora4j.core.error.ErrorSource} and
 * {@link org.pingora4j.core.error.RetryType}. Mirrors the {@code pingora-error} crate.
 */
package org.pingora4j.core.error;
