package org.pingora4j.core.server;

import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import org.pingora4j.core.server.conf.ServerConf;

/**
 * A server that listens, then has its event loops die: run by {@link EventLoopThreadsTest} in a
 * process of its own, which must end with status 70 rather than go on listening. Exits 0 if it is
 * still alive 30 s after the loops were killed.
 */
public final class LoopDeathMain {

    private LoopDeathMain() {
    }

    public static void main(String[] args) throws Exception {
        FaultyIoHandlers handlers = new FaultyIoHandlers();
        Server server = new Server(Opt.defaults(), ServerConf.builder().threads(1).build())
                .transport(new Transport("nio-faulty", handlers, NioServerSocketChannel.class, NioSocketChannel.class));
        LineEchoService echo = new LineEchoService("echo");
        server.addService(echo);
        server.start();
        System.out.println("listening, killing a loop: 127.0.0.1:" + echo.port());
        handlers.kill();
        for (EventExecutor loop : server.eventLoops()) {
            loop.execute(() -> { }); // wakes it into its failing I/O step
        }
        Thread.sleep(30_000); // the watchdog halts the process long before
        System.out.println("still alive: the dead loop went unnoticed");
        System.exit(0);
    }
}
