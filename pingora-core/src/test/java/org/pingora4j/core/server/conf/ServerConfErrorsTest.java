package org.pingora4j.core.server.conf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pingora4j.core.error.ErrorSource;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;

final class ServerConfErrorsTest {

    @TempDir
    Path dir;

    private Path file;

    private PingoraException loadError(String yaml) throws IOException {
        file = dir.resolve("pingora_conf.yaml");
        Files.writeString(file, yaml);
        PingoraException e = assertThrows(PingoraException.class, () -> ServerConf.load(file));
        assertEquals(ErrorType.CONFIG_ERROR, e.type());
        assertEquals(ErrorSource.INTERNAL, e.source());
        return e;
    }

    /** Asserts that the error names the file, the key and the value as written. */
    private void assertNames(PingoraException e, String key, String value) {
        String message = e.getMessage();
        assertTrue(message.contains(file.toString() + ": "), message);
        assertTrue(message.contains(key + ": " + value + " (expected: "), message);
    }

    @Test
    void negativePoolSizeHasAnExactMessage() throws IOException {
        PingoraException e = loadError("---\nversion: 1\nupstream_keepalive_pool_size: -1\n");

        assertEquals(file + ": upstream_keepalive_pool_size: -1 (expected: an integer >= 0)", e.context());
        assertEquals("CONFIG_ERROR context: " + file
                + ": upstream_keepalive_pool_size: -1 (expected: an integer >= 0)", e.getMessage());
    }

    @Test
    void integerTooLargeForTheJavaTypeHasAnExactMessage() throws IOException {
        PingoraException e = loadError("threads: 99999999999\n");

        assertEquals(file + ": threads: 99999999999 (expected: an integer from 1 to 2147483647)", e.context());
    }

    @Test
    void stringForAnInteger() throws IOException {
        assertNames(loadError("threads: \"two\"\n"), "threads", "\"two\"");
        assertNames(loadError("max_retries: '3'\n"), "max_retries", "\"3\"");
    }

    @Test
    void zeroThreads() throws IOException {
        assertNames(loadError("threads: 0\n"), "threads", "0");
        assertNames(loadError("max_blocking_threads: 0\n"), "max_blocking_threads", "0");
        assertNames(loadError("daemon_ready_timeout_seconds: 0\n"), "daemon_ready_timeout_seconds", "0");
    }

    @Test
    void floatForAnInteger() throws IOException {
        assertNames(loadError("grace_period_seconds: 1.5\n"), "grace_period_seconds", "1.5");
    }

    @Test
    void numberForABoolean() throws IOException {
        PingoraException e = loadError("daemon: 3\n");
        assertNames(e, "daemon", "3");
        assertTrue(e.getMessage().endsWith("(expected: true or false)"), e.getMessage());
        assertNames(loadError("work_stealing: \"yes\"\n"), "work_stealing", "\"yes\"");
    }

    @Test
    void listForAnInteger() throws IOException {
        assertNames(loadError("upstream_keepalive_pool_size: [1]\n"), "upstream_keepalive_pool_size", "[1]");
    }

    @Test
    void mappingForAString() throws IOException {
        assertNames(loadError("pid_file: {a: 1}\n"), "pid_file", "{\"a\": 1}");
        assertNames(loadError("pid_file: ''\n"), "pid_file", "\"\"");
    }

    @Test
    void invalidIpv4Literal() throws IOException {
        PingoraException e = loadError("client_bind_to_ipv4:\n  - 1.2.3.4\n  - 1.2.3.256\n");

        assertEquals(file + ": client_bind_to_ipv4[1]: \"1.2.3.256\" (expected: an IPv4 literal)", e.context());
    }

    @Test
    void hostNameInABindList() throws IOException {
        assertNames(loadError("client_bind_to_ipv4: [localhost]\n"), "client_bind_to_ipv4[0]", "\"localhost\"");
        assertNames(loadError("client_bind_to_ipv6: [ip6-localhost]\n"), "client_bind_to_ipv6[0]",
                "\"ip6-localhost\"");
    }

    @Test
    void wrongFamilyOrBracketsInABindList() throws IOException {
        assertNames(loadError("client_bind_to_ipv4: ['::1']\n"), "client_bind_to_ipv4[0]", "\"::1\"");
        assertNames(loadError("client_bind_to_ipv6: ['[::1]']\n"), "client_bind_to_ipv6[0]", "\"[::1]\"");
        assertNames(loadError("client_bind_to_ipv6: ['fe80::1%eth0']\n"), "client_bind_to_ipv6[0]",
                "\"fe80::1%eth0\"");
    }

    @Test
    void scalarForABindList() throws IOException {
        PingoraException e = loadError("client_bind_to_ipv4: 1.2.3.4\n");
        assertEquals(file + ": client_bind_to_ipv4: \"1.2.3.4\" (expected: a sequence of IPv4 literals)",
                e.context());
    }

    @Test
    void keyBothAtTopLevelAndUnderServer() throws IOException {
        PingoraException e = loadError("upstream_keepalive_pool_size: 64\nserver:\n  upstream_keepalive_pool_size: 256\n");

        assertEquals(file + ": upstream_keepalive_pool_size: set both at the top level and under server:"
                + " (expected: one of them)", e.context());
    }

    @Test
    void serverSectionThatIsNotAMapping() throws IOException {
        assertNames(loadError("server: [threads]\n"), "server", "[\"threads\"]");
    }

    @Test
    void topLevelThatIsNotAMapping() throws IOException {
        assertNames(loadError("- threads: 1\n"), "document", "[{\"threads\": 1}]");
    }

    @Test
    void nonStringKey() throws IOException {
        assertNames(loadError("1: one\n"), "key", "1");
    }

    @Test
    void malformedYamlNamesTheLine() throws IOException {
        PingoraException e = loadError("version: 1\nthreads: [1, 2\n");

        assertTrue(e.context().startsWith(file + ": invalid YAML at line "), e.context());
        assertNotNull(e.getCause());
        assertTrue(e.getMessage().contains(file + ", line 2, column 10"), e.getMessage());
    }

    @Test
    void duplicateKeyIsInvalidYaml() throws IOException {
        PingoraException e = loadError("threads: 1\nthreads: 2\n");

        assertEquals(file + ": invalid YAML at line 2, column 1", e.context());
        assertTrue(e.getMessage().contains("found duplicate key threads"), e.getMessage());
    }

    @Test
    void fromYamlNamesTheStringSource() {
        PingoraException e = assertThrows(PingoraException.class, () -> ServerConf.fromYaml("threads: -2"));
        assertEquals("<string>: threads: -2 (expected: an integer >= 1)", e.context());

        e = assertThrows(PingoraException.class, () -> ServerConf.fromYaml("threads: x", "inline.yaml"));
        assertEquals("inline.yaml: threads: \"x\" (expected: an integer >= 1)", e.context());
    }

    @Test
    void missingFileIsAFileReadError() {
        Path missing = dir.resolve("does_not_exist.yaml");

        PingoraException e = assertThrows(PingoraException.class, () -> ServerConf.load(missing));

        assertEquals(ErrorType.FILE_READ_ERROR, e.type());
        assertEquals("unable to read conf file " + missing, e.context());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    }
}
