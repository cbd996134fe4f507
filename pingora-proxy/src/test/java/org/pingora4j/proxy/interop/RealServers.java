package org.pingora4j.proxy.interop;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.pingora4j.core.testing.MachineRequirement;

/**
 * Finds the real servers the interop tests start. CI installs them ({@code .ci/run}), so there a
 * missing one fails the build; on a developer box without them the tests are skipped, loudly
 * ({@link MachineRequirement}, the rule the io_uring and epoll tests follow too).
 */
final class RealServers {

    private RealServers() {
    }

    /** Returns the path of {@code program}, or fails (CI) / aborts (elsewhere) the calling tests. */
    static Path require(String program) {
        List<Path> candidates = new ArrayList<>(List.of(Path.of("/usr/sbin", program), Path.of("/usr/bin", program)));
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isEmpty()) {
                    candidates.add(Path.of(dir, program));
                }
            }
        }
        for (Path candidate : candidates) {
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        MachineRequirement.require(false, program, "not installed (looked in /usr/sbin, /usr/bin and PATH); "
                + "the interop tests against real servers need it: apt-get install " + program);
        throw new AssertionError("unreachable");
    }
}
