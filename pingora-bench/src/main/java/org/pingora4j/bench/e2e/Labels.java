package org.pingora4j.bench.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** An ordered id → label list, one {@code id|label} a line ({@code shapes.txt}, {@code proxies.txt}). */
final class Labels {

    private Labels() {
    }

    static Map<String, String> read(Path file) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (!Files.exists(file)) {
            return labels;
        }
        for (String line : RunResult.text(file).split("\n")) {
            int bar = line.indexOf('|');
            if (bar > 0) {
                labels.put(line.substring(0, bar).trim(), line.substring(bar + 1).trim());
            }
        }
        return labels;
    }
}
