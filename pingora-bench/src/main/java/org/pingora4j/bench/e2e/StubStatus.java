package org.pingora4j.bench.e2e;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * nginx's {@code stub_status} counters as the origin reports them: a timed phase's new upstream
 * connections are the difference of {@code accepts} before and after it.
 *
 * @param accepts connections the origin has accepted since it started
 * @param requests requests the origin has served since it started
 */
public record StubStatus(long accepts, long requests) {

    private static final Pattern COUNTERS = Pattern.compile("server accepts handled requests\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)");

    /**
     * Parses the status page.
     *
     * @throws IllegalArgumentException if it has no counters line
     */
    public static StubStatus parse(String text) {
        Matcher m = COUNTERS.matcher(text);
        if (!m.find()) {
            throw new IllegalArgumentException("not a stub_status page");
        }
        return new StubStatus(Long.parseLong(m.group(1)), Long.parseLong(m.group(3)));
    }
}
