package org.pingora4j.proxy.hostile;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.pingora4j.core.server.Server;
import org.pingora4j.proxy.ProxyService;

/**
 * The proxy of a {@link ProxyProcess}: a {@link HostileProxy} (everything to one origin) on a
 * {@link Server} with the default configuration, one event loop, as the examples jar runs it;
 * listens on 127.0.0.1 on a free port.
 *
 * <p>Arguments: the origin's {@code host:port}, and the upstream read timeout in seconds. Prints
 * {@code LISTENING <port>} once it accepts connections. Then reads commands on stdin, one a line:
 * {@code measure} prints {@code HELD <heap> <allocatorDirect> <nettyCounter> <jdkDirect>} (see
 * {@link HeldMemory}); {@code ping} prints {@code PONG}. Exits when stdin ends, so that it never
 * outlives the test that started it, or when an event loop dies (status 70, {@code EventLoopThreads}).
 */
public final class ProxyMain {

    private ProxyMain() {
    }

    public static void main(String[] args) throws Exception {
        String origin = args[0];
        Duration readTimeout = Duration.ofSeconds(Long.parseLong(args[1]));
        Server server = new Server();
        ProxyService<Void> proxy = ProxyService.httpProxyService(server.conf(), new HostileProxy(origin, readTimeout));
        proxy.addTcp("127.0.0.1:0");
        server.addService(proxy);
        server.start();
        System.out.println("LISTENING " + proxy.boundAddresses().get(0).getPort());
        System.out.flush();
        // The main thread serves the test's commands until the test goes away; the event loops, not
        // it, keep the proxy serving (a dead loop now ends the process: EventLoopThreads).
        serveCommands();
    }

    private static void serveCommands() {
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (true) {
            String line;
            try {
                line = commands.readLine();
            } catch (Throwable e) {
                continue; // an OutOfMemoryError while reading: try again
            }
            if (line == null) {
                Runtime.getRuntime().halt(0); // the test is gone (halt: no hook can hang a starved JVM)
            }
            try {
                if (line.equals("measure")) {
                    HeldMemory.Snapshot s = HeldMemory.take();
                    System.out.println("HELD " + s.heap() + " " + s.allocatorDirect() + " " + s.nettyCounter() + " " + s.jdkDirect());
                } else if (line.equals("ping")) {
                    System.out.println("PONG");
                } else {
                    System.out.println("ERROR unknown command " + line);
                }
            } catch (Throwable e) { // an OutOfMemoryError included: the test wants to hear of it
                System.out.println("ERROR " + e);
            }
            System.out.flush();
        }
    }
}
