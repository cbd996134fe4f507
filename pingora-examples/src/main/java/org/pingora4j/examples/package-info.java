/**
 * Runnable examples, one per chapter snippet; {@link org.pingora4j.examples.Demo} is the README's
 * run command.
 */
package org.pingora4j.examples;
