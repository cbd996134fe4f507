package org.pingora4j.core.server;

import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.EventExecutor;
import org.pingora4j.core.server.conf.ServerConf;

/**
 * A server that listens, then has its event loops die: run by {@link EventLoopThreadsTest} in a
 * process of its own, which must end with status 70 rather than go on listening. Exits 0 if its loop's
 * thread ended and the process lived on.
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
        EventExecutor loop = server.eventLoops().next();
        Thread loopThread = loop.submit(Thread::currentThread).get();
        handlers.kill();
        loop.execute(() -> { }); // wakes it into its failing I/O step
        // The watchdog halts the process from the dying thread itself, before the thread ends: if
        // the thread ends and this join returns, the death went unnoticed.
        loopThread.join();
        System.out.println("still alive: the dead loop went unnoticed");
        System.exit(0);
    }
}
