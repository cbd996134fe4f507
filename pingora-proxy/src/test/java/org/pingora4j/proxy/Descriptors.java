package org.pingora4j.proxy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * This JVM's open file descriptors, from {@code /proc/self/fd}, for the resource accounting of the
 * fault and interop tests. Sockets are compared as sets of inodes: a socket leaked while another,
 * unrelated one closes still shows as one that was not there before, where counts would cancel out.
 */
public final class Descriptors {

    private static final Path FDS = Path.of("/proc/self/fd");

    /** What is open at one instant: the inodes of the sockets, and the count of everything else. */
    public record Snapshot(Set<Long> sockets, int others) {

        /** The sockets open in this snapshot that are not in {@code before}. */
        public Set<Long> socketsNotIn(Set<Long> before) {
            Set<Long> added = new TreeSet<>(sockets);
            added.removeAll(before);
            return added;
        }
    }

    private Descriptors() {
    }

    /**
     * Lists the descriptors open now. A socket's link reads {@code socket:[inode]}; anything else
     * (files, pipes, epoll and event descriptors, and the listing's own directory, the same every
     * time) is counted.
     */
    public static Snapshot now() {
        Set<Long> sockets = new TreeSet<>();
        int others = 0;
        List<Path> fds;
        try (Stream<Path> listing = Files.list(FDS)) {
            fds = listing.toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (Path fd : fds) {
            String target;
            try {
                target = Files.readSymbolicLink(fd).toString();
            } catch (NoSuchFileException closedMeanwhile) {
                continue;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (target.startsWith("socket:[") && target.endsWith("]")) {
                sockets.add(Long.parseLong(target.substring("socket:[".length(), target.length() - 1)));
            } else {
                others++;
            }
        }
        return new Snapshot(sockets, others);
    }

    /** The number of descriptors open now (the listing's own directory included, the same every time). */
    public static int count() {
        try (Stream<Path> listing = Files.list(FDS)) {
            return (int) listing.count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Describes sockets by inode for a failure message: the TCP endpoints and state, or the unix
     * socket, as the kernel lists them ({@code /proc/net/tcp}, {@code tcp6}, {@code unix}); a socket
     * in none of them (one closed by its peer and reset, say) is just its inode.
     */
    public static String describe(Set<Long> inodes) {
        if (inodes.isEmpty()) {
            return "none";
        }
        Map<Long, String> known = new HashMap<>();
        for (String table : List.of("tcp", "tcp6")) {
            for (String[] f : rows(table)) {
                // sl local_address rem_address st tx_queue:rx_queue tr:when retrnsmt uid timeout inode
                if (f.length > 9) {
                    known.put(Long.parseLong(f[9]), table + " " + endpoint(f[1]) + " -> " + endpoint(f[2]) + " st=" + f[3]);
                }
            }
        }
        for (String[] f : rows("unix")) {
            // Num RefCount Protocol Flags Type St Inode [Path]
            if (f.length > 6) {
                known.put(Long.parseLong(f[6]), "unix" + (f.length > 7 ? " " + f[7] : ""));
            }
        }
        return inodes.stream().map(i -> "socket:[" + i + "] " + known.getOrDefault(i, "(not listed)"))
                .collect(Collectors.joining(", "));
    }

    private static List<String[]> rows(String table) {
        Path path = Path.of("/proc/net", table);
        if (!Files.exists(path)) {
            return List.of();
        }
        try {
            List<String> lines = Files.readAllLines(path);
            return lines.subList(1, lines.size()).stream().map(l -> l.trim().split("\\s+")).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** HEX_ADDRESS:HEX_PORT as a port, prefixed by the address when it is not loopback. */
    private static String endpoint(String field) {
        int colon = field.lastIndexOf(':');
        int port = Integer.parseInt(field.substring(colon + 1), 16);
        String address = field.substring(0, colon);
        boolean loopback = address.equals("0100007F") || address.equals("0000000000000000FFFF00000100007F")
                || address.equals("00000000000000000000000001000000");
        return (loopback ? "" : address + ":") + port;
    }
}
