package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the docs from rotting: every Java block in {@code docs/} must be a verbatim copy of a
 * tagged region ({@code // tag::name[]} ... {@code // end::name[]}) of a source file the build
 * compiles and tests, named by a {@code <!-- snippet: path#name -->} line just before it. A tag may
 * mark several regions of one file; they are joined in order, so that a snippet can leave out the
 * lines between them.
 */
final class DocsSnippetsTest {

    private static final Path REPO = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern MARKER = Pattern.compile("^<!-- snippet: ([^#\\s]+)(?:#([\\w-]+))? -->$");

    @Test
    void everyJavaBlockInTheDocsIsTheCompiledSource() throws IOException {
        List<Path> pages;
        try (Stream<Path> walk = Files.walk(REPO.resolve("docs"))) {
            pages = walk.filter(p -> p.toString().endsWith(".md")).sorted().toList();
        }
        assertTrue(!pages.isEmpty(), "docs/ has pages");
        int checked = 0;
        int markers = 0;
        for (Path page : pages) {
            List<String> lines = Files.readAllLines(page);
            for (int i = 0; i < lines.size(); i++) {
                markers += lines.get(i).trim().startsWith("<!-- snippet") ? 1 : 0;
                Matcher marker = MARKER.matcher(lines.get(i).trim());
                if (marker.matches()) {
                    int fence = i + 1;
                    if (fence >= lines.size() || !lines.get(fence).startsWith("```")) {
                        fail(where(page, i) + ": a snippet marker must be followed by a code block");
                    }
                    List<String> block = new ArrayList<>();
                    int j = fence + 1;
                    for (; j < lines.size() && !lines.get(j).startsWith("```"); j++) {
                        block.add(lines.get(j));
                    }
                    assertEquals(region(marker.group(1), marker.group(2)), stripTrailing(block),
                            where(page, i) + ": the block differs from " + marker.group(0));
                    checked++;
                    i = j;
                } else if (lines.get(i).trim().startsWith("```java")) {
                    fail(where(page, i) + ": a Java block without a <!-- snippet: path#tag --> marker");
                }
            }
        }
        // A check of nothing passes whatever the docs say: the docs quote the examples, so some
        // blocks were compared, and every line that looks like a marker was read as one.
        assertTrue(checked > 0, "no snippet was checked in " + pages.size() + " pages");
        assertEquals(markers, checked, "every <!-- snippet ... --> line is a marker followed by the block it names");
    }

    @Test
    void regionsAreFoundAndDedented() throws IOException {
        List<String> logging = region("pingora-examples/src/main/java/org/pingora4j/examples/ReuseMonitoring.java", "logging");
        assertEquals("@Override", logging.get(0));
        assertTrue(logging.get(logging.size() - 1).equals("}"), logging.toString());
    }

    @Test
    void aTagInSeveralRegionsIsJoinedInOrder() throws IOException {
        List<String> main = region("pingora-examples/src/main/java/org/pingora4j/examples/PooledProxy.java", "main");
        assertTrue(main.get(0).startsWith("// Create the server"), main.get(0));
        assertEquals("server.runForever();", main.get(main.size() - 1), "the second region, in run()");
        assertTrue(main.contains("server.addService(proxyService);"), "the first region, in build()");
    }

    /** Returns the lines of {@code tag} in {@code path} (the whole file without a tag), dedented. */
    static List<String> region(String path, String tag) throws IOException {
        List<String> source = Files.readAllLines(REPO.resolve(path));
        List<String> region = new ArrayList<>();
        if (tag == null) {
            region.addAll(source);
        } else {
            boolean inside = false;
            boolean found = false;
            for (String line : source) {
                String trimmed = line.trim();
                if (trimmed.equals("// tag::" + tag + "[]")) {
                    inside = true;
                    found = true;
                } else if (trimmed.equals("// end::" + tag + "[]")) {
                    inside = false;
                } else if (inside) {
                    region.add(line);
                }
            }
            if (!found) {
                throw new AssertionError("no region " + tag + " in " + path);
            }
        }
        int indent = region.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        List<String> dedented = new ArrayList<>();
        for (String line : region) {
            dedented.add(line.isBlank() ? "" : line.substring(indent));
        }
        return stripTrailing(dedented);
    }

    private static List<String> stripTrailing(List<String> lines) {
        List<String> stripped = new ArrayList<>();
        for (String line : lines) {
            stripped.add(line.stripTrailing());
        }
        while (!stripped.isEmpty() && stripped.get(stripped.size() - 1).isEmpty()) {
            stripped.remove(stripped.size() - 1);
        }
        return stripped;
    }

    private static String where(Path page, int line) {
        return REPO.relativize(page) + ":" + (line + 1);
    }
}
