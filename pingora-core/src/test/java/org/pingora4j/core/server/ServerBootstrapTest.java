package org.pingora4j.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.server.conf.ServerConf;

final class ServerBootstrapTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<Integer> exits = new CopyOnWriteArrayList<>();

    private Server captured(Server server) {
        return server.exitHandler(exits::add)
                .console(new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private Path file(String yaml) throws IOException {
        return Files.writeString(dir.resolve("conf.yaml"), yaml);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void defaultServerHasTheDefaultConfiguration() {
        Server server = new Server();
        assertSame(ServerConf.defaults(), server.conf());
        assertEquals(Opt.defaults(), server.opt());
    }

    @Test
    void loadsTheConfFile() throws IOException {
        Path conf = file("threads: 3\ngrace_period_seconds: 7\n");
        Server server = new Server(Opt.parse("-c", conf.toString()));
        assertEquals(3, server.conf().threads());
        assertEquals(7L, server.conf().gracePeriod().toSeconds());
    }

    @Test
    void badConfFileThrowsFromTheConstructor() throws IOException {
        Path conf = file("threads: 0\n");
        PingoraException invalid = assertThrows(PingoraException.class, () -> new Server(Opt.parse("-c", conf.toString())));
        assertEquals(ErrorType.CONFIG_ERROR, invalid.type());
        assertTrue(invalid.getMessage().contains("threads: 0"), invalid.getMessage());

        String missing = dir.resolve("missing.yaml").toString();
        PingoraException unreadable = assertThrows(PingoraException.class, () -> new Server(Opt.parse("-c", missing)));
        assertEquals(ErrorType.FILE_READ_ERROR, unreadable.type());
    }

    @Test
    void providedConfIgnoresTheConfOption() {
        ServerConf conf = ServerConf.builder().threads(2).build();
        Server server = new Server(Opt.parse("-c", dir.resolve("missing.yaml").toString()), conf);
        assertSame(conf, server.conf());
    }

    @Test
    void testModeWithAValidFilePrintsValidAndExits0() throws IOException {
        Path conf = file("threads: 2\n");
        captured(new Server(Opt.parse("-t", "-c", conf.toString()))).bootstrap();
        assertEquals(List.of(0), exits);
        assertEquals("pingora4j: configuration " + conf + " is valid" + System.lineSeparator(), out());
        assertEquals("", err());
    }

    @Test
    void testModeWithoutAFileValidatesTheDefaults() {
        captured(new Server(Opt.parse("--test"))).bootstrap();
        assertEquals(List.of(0), exits);
        assertEquals("pingora4j: configuration defaults is valid" + System.lineSeparator(), out());
    }

    @Test
    void testModeWithAnInvalidFilePrintsTheErrorAndExits1() throws IOException {
        Path conf = file("threads: 0\n");
        Server server = captured(new Server(Opt.parse("-t", "-c", conf.toString())));
        PingoraException kept = assertThrows(PingoraException.class, server::conf);
        assertEquals(ErrorType.CONFIG_ERROR, kept.type());

        server.bootstrap();

        assertEquals(List.of(1), exits);
        assertEquals("", out());
        assertTrue(err().startsWith("pingora4j: configuration " + conf + " is invalid: "), err());
        assertTrue(err().contains("threads: 0 (expected: an integer >= 1)"), err());
        assertSame(kept, assertThrows(PingoraException.class, server::start));
    }

    @Test
    void testModeWithAMissingFileExits1() {
        Path missing = dir.resolve("missing.yaml");
        captured(new Server(Opt.parse("-t", "-c", missing.toString()))).bootstrap();
        assertEquals(List.of(1), exits);
        assertTrue(err().contains("is invalid: FILE_READ_ERROR"), err());
    }

    @Test
    void helpPrintsTheUsageAndExits0() {
        captured(new Server(Opt.parse("-h"))).bootstrap();
        assertEquals(List.of(0), exits);
        assertEquals(Opt.usage(), out());
    }

    @Test
    void daemonIsRefused() {
        Server server = captured(new Server(Opt.parse("-d")));
        assertTrue(server.conf().daemon(), "-d sets daemon, as pingora's merge_with_opt does");

        server.bootstrap();

        assertEquals(List.of(1), exits);
        assertTrue(err().startsWith("pingora4j: -d/--daemon is not supported"), err());
        assertTrue(err().contains("process supervisor"), err());
        IllegalStateException afterExit = assertThrows(IllegalStateException.class, server::start);
        assertTrue(afterExit.getMessage().contains("exited with status 1"), afterExit.getMessage());
    }

    @Test
    void daemonInTheFileIsRefusedToo() throws IOException {
        Path conf = file("daemon: true\n");
        captured(new Server(Opt.parse("-c", conf.toString()))).bootstrap();
        assertEquals(List.of(1), exits);
        assertTrue(err().startsWith("pingora4j: daemon: true in " + conf + " is not supported"), err());
    }

    @Test
    void upgradeIsRefused() {
        captured(new Server(Opt.parse("--upgrade"))).bootstrap();
        assertEquals(List.of(1), exits);
        assertTrue(err().startsWith("pingora4j: -u/--upgrade is not supported"), err());
        assertTrue(err().contains("rolling restart"), err());
    }

    @Test
    void startRefusesUnsupportedModesWithoutBootstrap() {
        Server server = new Server(Opt.parse("-d", "-u"));
        server.addService(new LineEchoService("never"));
        PingoraException e = assertThrows(PingoraException.class, server::start);
        assertEquals(ErrorType.CONFIG_ERROR, e.type());
        assertTrue(e.getMessage().contains("-d/--daemon is not supported"), e.getMessage());
        assertTrue(e.getMessage().contains("-u/--upgrade is not supported"), e.getMessage());
    }

    @Test
    void plainCommandLineBootstrapsWithoutExiting() {
        captured(new Server(Opt.defaults())).bootstrap();
        assertTrue(exits.isEmpty());
        assertEquals("", out());
        assertEquals("", err());
    }

    @Test
    void testModeTakesPrecedenceOverUnsupportedFlags() {
        Server server = captured(new Server(Opt.parse("-t", "-d")));
        server.bootstrap();
        assertEquals(List.of(0), exits);
        assertFalse(out().isEmpty());
    }
}
