package org.pingora4j.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class OptTest {

    @Test
    void noArgumentsAreTheDefaults() {
        Opt opt = Opt.parse();
        assertEquals(Opt.defaults(), opt);
        assertEquals(Optional.empty(), opt.conf());
        assertFalse(opt.test());
        assertFalse(opt.daemon());
        assertFalse(opt.upgrade());
        assertFalse(opt.help());
    }

    @Test
    void longFlags() {
        Opt opt = Opt.parse("--conf", "/etc/p.yaml", "--test", "--daemon", "--upgrade", "--help");
        assertEquals(Optional.of(Path.of("/etc/p.yaml")), opt.conf());
        assertTrue(opt.test());
        assertTrue(opt.daemon());
        assertTrue(opt.upgrade());
        assertTrue(opt.help());
    }

    @Test
    void shortFlags() {
        Opt opt = Opt.parse("-c", "p.yaml", "-t", "-d", "-u", "-h");
        assertEquals(Opt.parse("--conf", "p.yaml", "--test", "--daemon", "--upgrade", "--help"), opt);
    }

    @Test
    void everyFormOfTheConfValue() {
        Opt expected = Opt.parse("-c", "a.yaml");
        assertEquals(expected, Opt.parse("--conf=a.yaml"));
        assertEquals(expected, Opt.parse("-ca.yaml"));
        assertEquals(expected, Opt.parse("-c=a.yaml"));
        assertEquals(Optional.of(Path.of("-odd.yaml")), Opt.parse("--conf=-odd.yaml").conf());
    }

    @Test
    void groupedShortFlagsMayEndWithTheConfOption() {
        Opt opt = Opt.parse("-tdc", "a.yaml");
        assertTrue(opt.test());
        assertTrue(opt.daemon());
        assertFalse(opt.upgrade());
        assertEquals(Optional.of(Path.of("a.yaml")), opt.conf());
        assertEquals(Optional.of(Path.of("b.yaml")), Opt.parse("-tcb.yaml").conf());
    }

    @Test
    void hiddenNocaptureIsTolerated() {
        assertEquals(Opt.parse("-t"), Opt.parse("--nocapture", "-t"));
    }

    @Test
    void unknownOptionsAreNamed() {
        assertEquals("Unknown option: '--verbose'", message("--verbose"));
        assertEquals("Unknown option: '-x'", message("-x"));
        assertEquals("Unknown option: '-x' (while processing option: '-tx')", message("-tx"));
        assertEquals("Unknown option: '--confx=a'", message("--confx=a"));
    }

    @Test
    void missingValuesAreReported() {
        assertEquals("Missing required parameter for option '--conf' (<PATH>)", message("-c"));
        assertEquals("Missing required parameter for option '--conf' (<PATH>)", message("--conf"));
        assertEquals("Expected parameter for option '--conf' but found '-t'", message("-c", "-t"));
        assertEquals("option -c/--conf: empty path (expected: the configuration file path)", message("--conf="));
        assertEquals("option -c/--conf: empty path (expected: the configuration file path)", message("-c="));
        assertEquals("option -c/--conf: empty path (expected: the configuration file path)", message("-c", ""));
    }

    @Test
    void otherMistakes() {
        assertEquals("option '--conf' (<PATH>) should be specified only once", message("-c", "a", "--conf=b"));
        assertEquals("Unmatched argument at index 0: 'serve'", message("serve"));
        assertEquals("Unmatched argument at index 1: 'x'", message("--", "x"));
        assertThrows(NullPointerException.class, () -> Opt.parse((String[]) null));
        assertThrows(NullPointerException.class, () -> Opt.parse("-t", null));
    }

    @Test
    void picocliConventionsForFlagValuesAndTheEndOfOptions() {
        // Behaviour picocli brought (the hand parser refused both): a flag may be given its value,
        // and a lone "--" ends the options, as with clap.
        assertTrue(Opt.parse("--test=true").test());
        assertFalse(Opt.parse("--test=false").test());
        assertEquals(Opt.defaults(), Opt.parse("--"));
    }

    @Test
    void usageListsEveryVisibleOption() {
        String usage = Opt.usage();
        for (String option : new String[] {"-c, --conf=<PATH>", "-t, --test", "-d, --daemon", "-u, --upgrade",
                "-h, --help"}) {
            assertTrue(usage.contains(option), option + " missing from:\n" + usage);
        }
        assertFalse(usage.contains("nocapture"));
        assertTrue(usage.startsWith("Usage: <server> "), usage);
        assertTrue(usage.endsWith("\n"));
    }

    @Test
    void valueSemantics() {
        Opt a = Opt.parse("-t", "-c", "x.yaml");
        Opt b = Opt.parse("--conf=x.yaml", "--test");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals("Opt{conf=x.yaml, test=true, daemon=false, upgrade=false, help=false}", a.toString());
    }

    private static String message(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> Opt.parse(args)).getMessage();
    }
}
