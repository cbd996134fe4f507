package org.pingora4j.proxy;

/** Reads one series' value out of a Prometheus text-format scrape, for the metrics tests. */
final class PrometheusScrape {

    private final String body;

    PrometheusScrape(String body) {
        this.body = body;
    }

    /**
     * Returns the value of series {@code name} whose labels include every {@code key=value} pair of
     * {@code labels}.
     *
     * @throws AssertionError if the scrape has no such series
     */
    double value(String name, String... labels) {
        for (String line : body.split("\n")) {
            if (line.startsWith("#") || !line.startsWith(name)) {
                continue;
            }
            char next = line.charAt(name.length());
            if (next != '{' && next != ' ') {
                continue;
            }
            if (hasLabels(line, labels)) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no series " + name + " with " + String.join(",", labels) + " in:\n" + body);
    }

    /** Whether the scrape has series {@code name} with every {@code key=value} pair of {@code labels}. */
    boolean has(String name, String... labels) {
        try {
            value(name, labels);
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }

    private static boolean hasLabels(String line, String... labels) {
        for (String label : labels) {
            int eq = label.indexOf('=');
            if (!line.contains(label.substring(0, eq) + "=\"" + label.substring(eq + 1) + "\"")) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return body;
    }
}
