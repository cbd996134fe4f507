/**
 * The server configuration file: {@link org.pingora4j.core.server.conf.ServerConf}, its keys,
 * defaults and YAML format. Mirrors pingora's {@code pingora-core/src/server/configuration} module;
 * the file format is pingora's, so a pingora {@code conf.yaml} loads unchanged, and every value is
 * validated on load with an error that names the file, the key and the value.
 *
 * <p>Starting points:
 * <ul>
 *   <li>{@link org.pingora4j.core.server.conf.ServerConf#load(java.nio.file.Path)} and
 *       {@link org.pingora4j.core.server.conf.ServerConf#fromYaml(String, String)}: reading a file
 *       and the exact format accepted;</li>
 *   <li>{@link org.pingora4j.core.server.conf.ServerConfBuilder}: building one in code, with the
 *       bounds of each key;</li>
 *   <li>{@link org.pingora4j.core.connectors.ConnectorOptions#fromServerConf}: how the upstream
 *       keys reach the connectors and their connection pool.</li>
 * </ul>
 */
package org.pingora4j.core.server.conf;
