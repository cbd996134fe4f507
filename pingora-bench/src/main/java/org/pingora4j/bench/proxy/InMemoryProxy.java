package org.pingora4j.bench.proxy;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoop;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.local.LocalIoHandler;
import io.netty.channel.local.LocalServerChannel;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.pingora4j.bench.e2e.PingoraBenchProxy;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ListeningService;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.proxy.ProxyService;

/**
 * A pingora4j proxy, its origin and its clients, all in memory on one event loop, so that a request
 * costs only the work of the code it runs: no socket, no system call, no thread hand-off between
 * the client, the proxy and the origin.
 *
 * <ul>
 *   <li>The origin ({@link FixedOrigin}) listens on the in-memory {@link Transport#local()} address
 *       {@code origin-N.bench:80}.
 *   <li>The proxy is a real {@link ProxyService} started on {@link Transport#local()}: its
 *       {@code HttpConnector} connects to the origin over {@link io.netty.channel.local.LocalChannel}s
 *       and pools them, exactly as it would TCP connections.
 *   <li>A proxied client is a {@link PipeChannel} pair whose server end carries the pipeline the
 *       service installs on an accepted connection (decoder, encoder, {@code DownstreamConnection}).
 *       A direct client is the same pair with the origin on the server end: the baseline.
 * </ul>
 *
 * <p>Each client connection is kept alive for as many requests as asked.
 */
public final class InMemoryProxy implements AutoCloseable {

    private static final AtomicInteger INSTANCES = new AtomicInteger();
    private static final int PROXY_PORT = 8080;

    private final MultiThreadIoEventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, LocalIoHandler.newFactory());
    private final EventLoop loop = loops.next();
    private final ByteBuf response;
    private final ByteBuf request;
    private final int bodySize;
    private final Channel originListener;
    private final ProxyService<Void> service;
    private final List<Channel> clients = new ArrayList<>();

    /**
     * Starts an origin answering bodies of {@code bodySize} bytes and a proxy in front of it.
     *
     * @throws Exception if either cannot start
     */
    public InMemoryProxy(int bodySize) throws Exception {
        this(bodySize, null);
    }

    /**
     * As {@link #InMemoryProxy(int)}, with the proxy's meters in {@code registry} (none if null), to
     * measure what metrics cost per request.
     */
    public InMemoryProxy(int bodySize, MeterRegistry registry) throws Exception {
        this.bodySize = bodySize;
        int n = INSTANCES.incrementAndGet();
        String originHost = "origin-" + n + ".bench";
        response = FixedOrigin.response(bodySize);
        request = BenchClient.request("proxy.bench", "/");
        originListener = new ServerBootstrap()
                .group(loops)
                .channel(LocalServerChannel.class)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new FixedOrigin(response));
                    }
                })
                .bind(Transport.localAddress(originHost, 80))
                .sync()
                .channel();
        ServerConf conf = ServerConf.builder().threads(1).upstreamKeepalivePoolSize(256).build();
        ProxyService.Builder<Void> builder = ProxyService.builder(conf,
                new PingoraBenchProxy(originHost + ":80", false, "", null, "api.example.com"));
        if (registry != null) {
            builder.metrics(registry);
        }
        service = builder.build();
        service.addTcp("proxy-" + n + ".bench:" + PROXY_PORT);
        service.start(new ServiceContext(conf, loops, Transport.local()));
    }

    /** Returns the proxy service. */
    public ProxyService<Void> service() {
        return service;
    }

    /** Returns a new client connection to the proxy. */
    BenchClient proxiedClient() throws Exception {
        return connect(ch -> {
            // As the service's listener configures an accepted connection.
            ch.config().setAutoRead(false);
            initConnection(ch);
        });
    }

    /** Returns a new client connection straight to the origin, bypassing the proxy. */
    BenchClient directClient() throws Exception {
        return connect(ch -> ch.pipeline().addLast(new FixedOrigin(response)));
    }

    private BenchClient connect(ServerEnd serverEnd) throws Exception {
        PipeChannel[] pair = PipeChannel.pair(PROXY_PORT);
        BenchClient client = new BenchClient(request, bodySize);
        pair[0].pipeline().addLast(client);
        serverEnd.install(pair[1]);
        loop.register(pair[1]).sync();
        loop.register(pair[0]).sync();
        synchronized (clients) {
            clients.add(pair[0]);
        }
        return client;
    }

    @FunctionalInterface
    private interface ServerEnd {
        void install(Channel channel) throws Exception;
    }

    /**
     * Installs the proxy's connection pipeline, as the service does on each accepted connection.
     * {@code initConnection} is protected (the listener calls it); reflection reaches it because a
     * {@code LocalChannel} cannot stand in for the accepted connection yet (see {@link PipeChannel}).
     */
    private void initConnection(Channel channel) throws ReflectiveOperationException {
        Method init = ListeningService.class.getDeclaredMethod("initConnection", Channel.class, boolean.class);
        init.setAccessible(true);
        try {
            init.invoke(service, channel, false);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    /** Closes the clients, the proxy, the origin and the event loop. */
    @Override
    public void close() {
        synchronized (clients) {
            for (Channel client : clients) {
                client.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
            }
        }
        service.stopAccepting();
        service.shutdown();
        originListener.close().awaitUninterruptibly(10, TimeUnit.SECONDS);
        loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        response.release();
        request.release();
    }
}
