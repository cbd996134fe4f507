package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the "Use pingora4j in your project" page true: its dependency snippets name the versions
 * this build makes and uses, and the artifacts the consumer project (src/it/consumer, which the
 * build compiles and runs against the installed jars) depends on.
 */
final class DependPageTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern DEPENDENCY = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);

    private record Coordinates(String groupId, String artifactId, String version) {
    }

    @Test
    void snippetsNameTheVersionsThisBuildMakesAndUses() throws IOException {
        String parentPom = Files.readString(REPO.resolve("pom.xml"));
        String projectVersion = single(parentPom, "<artifactId>pingora4j-parent</artifactId>\\s*<version>([^<]+)</version>");
        String slf4jVersion = single(parentPom, "<slf4j.version>([^<]+)</slf4j.version>");
        List<Coordinates> snippets = dependencies(Files.readString(REPO.resolve("docs/user_guide/depend.md")));

        assertTrue(snippets.contains(new Coordinates("org.pingora4j", "pingora-proxy", projectVersion)),
                "the page shows pingora-proxy " + projectVersion + ": " + snippets);
        assertTrue(snippets.contains(new Coordinates("org.slf4j", "slf4j-simple", slf4jVersion)),
                "the page shows slf4j-simple " + slf4jVersion + ": " + snippets);
        assertEquals(2, snippets.size(), "the page's dependency snippets: " + snippets);
    }

    @Test
    void snippetsAreWhatTheConsumerProjectDependsOn() throws IOException {
        String consumerPom = Files.readString(REPO.resolve("pingora-examples/src/it/consumer/pom.xml"));
        List<Coordinates> consumer = dependencies(consumerPom);
        for (Coordinates snippet : dependencies(Files.readString(REPO.resolve("docs/user_guide/depend.md")))) {
            assertTrue(consumer.stream().anyMatch(c -> c.groupId().equals(snippet.groupId())
                            && c.artifactId().equals(snippet.artifactId())),
                    snippet + " is not among the consumer project's dependencies " + consumer);
        }
    }

    private static List<Coordinates> dependencies(String text) {
        List<Coordinates> found = new ArrayList<>();
        Matcher dependency = DEPENDENCY.matcher(text);
        while (dependency.find()) {
            String body = dependency.group(1);
            found.add(new Coordinates(single(body, "<groupId>([^<]+)</groupId>"),
                    single(body, "<artifactId>([^<]+)</artifactId>"), optional(body, "<version>([^<]+)</version>")));
        }
        assertFalse(found.isEmpty(), "no <dependency> in the text");
        return found;
    }

    private static String single(String text, String regex) {
        String value = optional(text, regex);
        assertTrue(value != null, "no match for " + regex);
        return value;
    }

    private static String optional(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        return m.find() ? m.group(1).trim() : null;
    }
}
