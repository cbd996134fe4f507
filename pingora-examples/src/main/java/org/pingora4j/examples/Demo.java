package org.pingora4j.examples;

/**
 * The README's run command. It will start a local TLS origin, run the connection-pool chapter's
 * {@code PooledProxy} against it and report reuse; until the proxy exists it says so.
 */
public final class Demo {

    private Demo() {
    }

    /** Prints what the demo will show once pingora-proxy is built. */
    public static void main(String[] args) {
        System.out.println("pingora4j: the PooledProxy example arrives with the proxy "
                + "(pingora-core connectors and pingora-proxy are the next milestones).");
        System.out.println("Today: the connection pool is built and tested; "
                + "see pingora-bench/README.md to measure it.");
    }
}
