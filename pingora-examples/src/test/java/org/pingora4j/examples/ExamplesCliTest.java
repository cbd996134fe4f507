package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The examples' one command line, as the jar's main acts on it: help, version, errors, exit statuses. */
final class ExamplesCliTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return Examples.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpIsOneBlockOnStandardOutputAndExitsZero() {
        assertEquals(0, run("-h"));
        String help = out();
        assertEquals(ExampleSettings.usage(), help);
        assertEquals("", err());
        assertTrue(help.startsWith("Usage: java -jar pingora4j-examples.jar [EXAMPLE] [OPTIONS]\n"), help);
        assertEquals(1, help.split("Usage:", -1).length - 1, "one usage line:\n" + help);
        for (String flag : new String[] {"--upstream", "--sni", "--no-tls", "--ca-file", "--listen", "--resolve",
                "--threads", "--metrics", "-V, --version", "-c, --conf", "-t, --test", "-d, --daemon", "-u, --upgrade",
                "-h, --help"}) {
            assertEquals(1, help.lines().filter(line -> line.stripLeading().matches(Pattern.quote(flag) + "([= ].*)?")).count(),
                    flag + " listed once in:\n" + help);
        }
        for (Example example : Example.values()) {
            assertTrue(help.contains("\n  " + example.cliName() + " "), example.cliName() + " missing from:\n" + help);
        }
        assertTrue(!help.contains("nocapture"), help);
        out.reset();
        assertEquals(0, run("--help", "demo"));
        assertEquals(help, out(), "the same help wherever -h stands");
    }

    @Test
    void versionPrintsTheProjectsVersion() {
        String version = System.getProperty("pingora4j.version");
        assertTrue(version != null && !version.isEmpty(), "the build passes pingora4j.version");
        assertEquals(0, run("--version"));
        assertEquals("pingora4j-examples " + version + "\n", out());
        out.reset();
        assertEquals(0, run("-V"));
        assertEquals("pingora4j-examples " + version + "\n", out());
    }

    @Test
    void anUnknownFlagExitsTwoWithItsNameThenTheHelpOnStandardError() {
        assertEquals(2, run("--upstream", "127.0.0.1:80", "--bogus"));
        assertEquals("pingora4j-examples: Unknown option: '--bogus'\n" + ExampleSettings.usage(), err());
        assertEquals("", out());
    }

    @Test
    void badValuesExitTwoWithAPreciseMessage() {
        assertEquals(2, run("--threads", "0"));
        assertTrue(err().startsWith("pingora4j-examples: --threads: 0 (expected: an integer >= 1)\nUsage: "), err());
        err.reset();
        assertEquals(2, run("--threads", "-1"));
        assertTrue(err().startsWith("pingora4j-examples: --threads: -1 (expected: an integer >= 1)\n"), err());
        err.reset();
        assertEquals(2, run("--threads", "many"));
        assertTrue(err().startsWith("pingora4j-examples: --threads: 'many' is not a number (expected: an integer >= 1)\n"),
                err());
        err.reset();
        assertEquals(2, run("no-such-example"));
        assertTrue(err().startsWith("pingora4j-examples: unknown example 'no-such-example' (expected one of: pooled-proxy,"),
                err());
        assertEquals("", out());
    }

    @Test
    void metricsIsRefusedForAnExampleThatRunsNoServer() {
        assertEquals(1, run("--metrics", "127.0.0.1:9091", "walkthrough"));
        assertTrue(err().startsWith("pingora4j-examples: --metrics: the walkthrough example runs no server"), err());
    }

    @Test
    void aFailingExampleExitsOneWithItsReasonInOneLine() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        assertEquals(1, run("walkthrough", "--upstream", "127.0.0.1:" + closedPort, "--no-tls"));
        assertTrue(err().startsWith("pingora4j-examples: walkthrough failed: CONNECT_REFUSED"), err());
        assertEquals(1, err().lines().count(), err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"pooled-proxy", "idle-timeout", "per-host-policy", "my-first-proxy", "load-balancer", "access-log"})
    void aPortInUseIsOneLineNamingItAndExitOneBeforeAnyRunningLine(String example) throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            String listen = "127.0.0.1:" + taken.getLocalPort();
            assertEquals(1, run(example, "--upstream", "127.0.0.1:9", "--no-tls", "--listen", listen));
            assertEquals("", out(), "nothing says it runs");
            assertEquals(1, err().lines().count(), err());
            assertTrue(err().startsWith("pingora4j-examples: " + example + " failed: BIND_ERROR"), err());
            assertTrue(err().contains(listen), "names the address: " + err());
        }
    }
}
