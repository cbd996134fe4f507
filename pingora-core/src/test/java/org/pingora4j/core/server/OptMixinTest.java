package org.pingora4j.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/** Pingora's server flags inside an application's own command line, as clap's flatten does. */
final class OptMixinTest {

    @Command(name = "my-proxy", sortOptions = false)
    static final class MyCommand {
        @Option(names = "--upstream", description = "where to proxy to")
        String upstream;

        @Mixin
        OptMixin server = new OptMixin();
    }

    @Test
    void theApplicationsFlagsAndPingorasParseTogether() {
        MyCommand command = new MyCommand();
        new CommandLine(command).parseArgs("--upstream", "origin:443", "-tc", "p.yaml");
        assertEquals("origin:443", command.upstream);
        assertEquals(Opt.parse("-t", "-c", "p.yaml"), command.server.opt());
        assertEquals(Optional.of(Path.of("p.yaml")), command.server.opt().conf());
    }

    @Test
    void oneHelpListsBothAndHelpIsPicocliUsageHelp() {
        MyCommand command = new MyCommand();
        CommandLine cli = new CommandLine(command);
        String help = cli.getUsageMessage(CommandLine.Help.Ansi.OFF);
        assertTrue(help.startsWith("Usage: my-proxy "), help);
        for (String option : new String[] {"--upstream", "-c, --conf=<PATH>", "-t, --test", "-h, --help"}) {
            assertTrue(help.contains(option), option + " missing from:\n" + help);
        }
        assertTrue(help.indexOf("--upstream") < help.indexOf("--conf"), "Pingora's flags come last:\n" + help);
        cli.parseArgs("-h");
        assertTrue(cli.isUsageHelpRequested());
        assertTrue(command.server.opt().help());
    }

    @Test
    void badConfValuesNameTheFlagInTheApplicationsCommandToo() {
        ParameterException e = assertThrows(ParameterException.class,
                () -> new CommandLine(new MyCommand()).parseArgs("--conf="));
        assertEquals("option -c/--conf: empty path (expected: the configuration file path)", e.getMessage());
        assertEquals("my-proxy", e.getCommandLine().getCommandName());
    }
}
