package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What a fuzz run found, grouped by kind, so one frequent bug does not hide the others. */
final class Violations {

    private final Map<String, List<String>> byKind = new LinkedHashMap<>();

    void add(String kind, String detail) {
        byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(detail);
    }

    int count() {
        return byKind.values().stream().mapToInt(List::size).sum();
    }

    /**
     * Fails with a count per kind and the first two examples of each; every violation goes to
     * {@code target/hostile-fuzz/<run>.txt}.
     */
    void assertNone(String run) {
        if (byKind.isEmpty()) {
            return;
        }
        StringBuilder s = new StringBuilder(run + ": " + count() + " violation(s) of " + byKind.size() + " kind(s)");
        byKind.forEach((kind, details) -> s.append("\n  ").append(details.size()).append(" x ").append(kind));
        byKind.forEach((kind, details) -> {
            s.append("\n\n== ").append(kind);
            details.stream().limit(2).forEach(d -> s.append("\n  - ").append(d));
        });
        Path report = Path.of("target", "hostile-fuzz", run.replaceAll("[^A-Za-z0-9]+", "-") + ".txt");
        StringBuilder all = new StringBuilder(s.toString().replaceAll("(?s)\n\n==.*", ""));
        byKind.forEach((kind, details) -> {
            all.append("\n\n== ").append(kind);
            details.forEach(d -> all.append("\n  - ").append(d));
        });
        try {
            Files.createDirectories(report.getParent());
            Files.writeString(report, all, StandardCharsets.ISO_8859_1);
            s.append("\n\nEvery violation: ").append(report.toAbsolutePath());
        } catch (IOException e) {
            s.append("\n\n(could not write ").append(report).append(": ").append(e).append(')');
        }
        System.out.println(s);
        fail(s.toString());
    }
}
