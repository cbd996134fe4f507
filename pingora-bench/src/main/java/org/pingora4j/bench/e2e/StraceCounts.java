package org.pingora4j.bench.e2e;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The call counts of a {@code strace -c} summary, and the two figures the comparison derives from
 * them: socket reads/writes and {@code epoll_ctl} calls per request.
 *
 * @param calls calls per system call name
 */
public record StraceCounts(Map<String, Long> calls) {

    /** The calls that move bytes through a socket (plain {@code read}/{@code write} included). */
    public static final Set<String> READS_WRITES = Set.of("read", "write", "readv", "writev", "recvfrom", "sendto",
            "recvmsg", "sendmsg");

    /** Copies the map. */
    public StraceCounts {
        calls = Map.copyOf(calls);
    }

    /**
     * Parses strace's summary table ({@code % time  seconds  usecs/call  calls  errors  syscall}).
     * Rows from several summaries are added up.
     */
    public static StraceCounts parse(String text) {
        Map<String, Long> calls = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            // A data row starts with the percentage and has calls in its fourth column.
            if (f.length < 5 || !f[0].matches("[\\d.]+") || !f[3].matches("\\d+")) {
                continue;
            }
            String name = f[f.length - 1];
            if (!name.equals("total")) {
                calls.merge(name, Long.parseLong(f[3]), Long::sum);
            }
        }
        return new StraceCounts(calls);
    }

    /** Socket reads and writes per request. */
    public double readsWritesPer(long requests) {
        long n = calls.entrySet().stream().filter(e -> READS_WRITES.contains(e.getKey()))
                .mapToLong(Map.Entry::getValue).sum();
        return (double) n / requests;
    }

    /** {@code epoll_ctl} calls per request. */
    public double epollCtlPer(long requests) {
        return (double) calls.getOrDefault("epoll_ctl", 0L) / requests;
    }

    /** "2.00 recvfrom, 2.00 writev": each traced call per request, most frequent first, then by name. */
    public String breakdownPer(long requests) {
        StringBuilder out = new StringBuilder();
        calls.entrySet().stream()
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed()
                        .thenComparing(Map.Entry.comparingByKey()))
                .filter(e -> (double) e.getValue() / requests >= 0.005)
                .forEach(e -> out.append(out.length() == 0 ? "" : ", ")
                        .append(String.format(java.util.Locale.ROOT, "%.2f %s", (double) e.getValue() / requests,
                                e.getKey())));
        return out.toString();
    }
}
