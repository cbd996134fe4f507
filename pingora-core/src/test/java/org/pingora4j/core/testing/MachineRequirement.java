package org.pingora4j.core.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The one rule for tests that need something of the machine rather than of the code: the epoll or
 * io_uring transport, or real servers (nginx, HAProxy, curl). Where it is missing, such a test is
 * skipped on a developer machine, loudly (a banner on stderr, and the reason in the test report),
 * and fails in CI ({@code CI=true}, which {@code .ci/run} sets itself), where the machine is set up
 * to have it: a CI run never passes by skipping.
 */
public final class MachineRequirement {

    private MachineRequirement() {
    }

    /** Returns whether this is a CI run: the environment variable {@code CI} is {@code true}. */
    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Returns if {@code present}; otherwise fails the calling test in CI, and aborts it (skipped)
     * elsewhere, naming {@code what} is missing and {@code why}.
     */
    public static void require(boolean present, String what, Object why) {
        if (present) {
            return;
        }
        String reason = what + " is not available here: " + why;
        if (inCi()) {
            Assertions.fail("CI=true, so the machine must provide it, but " + reason);
        }
        System.err.println("!!!!! SKIPPING (not in CI; CI=true would fail this): " + reason + " !!!!!");
        Assumptions.abort(reason + " (skipped outside CI; with CI=true this fails)");
    }
}
