package org.pingora4j.proxy.hostile;

import static org.junit.jupiter.api.Assertions.fail;

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

    /** Fails with a count per kind and the first two examples of each. */
    void failIfAny(String run) {
        if (byKind.isEmpty()) {
            return;
        }
        StringBuilder s = new StringBuilder(run + ": " + count() + " violation(s) of " + byKind.size() + " kind(s)");
        byKind.forEach((kind, details) -> s.append("\n  ").append(details.size()).append(" x ").append(kind));
        byKind.forEach((kind, details) -> {
            s.append("\n\n== ").append(kind);
            details.stream().limit(2).forEach(d -> s.append("\n  - ").append(d));
        });
        System.out.println(s);
        fail(s.toString());
    }
}
