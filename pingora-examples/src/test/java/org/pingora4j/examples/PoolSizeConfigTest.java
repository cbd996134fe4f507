package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.server.Transport;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.core.services.ServiceContext;
import org.pingora4j.proxy.ProxyService;

/** All three of the chapter's ways give the proxy's connector a pool of 256. */
final class PoolSizeConfigTest {

    private static int poolCapacityOf(ProxyService<?> service) throws Exception {
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            service.addTcp("127.0.0.1:0");
            service.start(new ServiceContext(ServerConf.defaults(), loops, Transport.nio()));
            return service.connector().stats().pool().capacity();
        } finally {
            service.stopAccepting();
            service.shutdown();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void theShippedYamlSetsTheSizeTo256() throws Exception {
        Path yaml = Path.of("src/main/resources/pingora_conf.yaml");
        assertEquals(256, poolCapacityOf(PoolSizeConfig.fromYaml(yaml, new PooledProxy())));
    }

    @Test
    void connectorOptionsInCodeSetTheSizeTo256() throws Exception {
        assertEquals(256, poolCapacityOf(PoolSizeConfig.inCode(new PooledProxy())));
    }

    @Test
    void connectorOptionsFromServerConfSetTheSizeTo256() throws Exception {
        assertEquals(256, poolCapacityOf(PoolSizeConfig.fromServerConf(new PooledProxy())));
    }

    @Test
    void theDefaultIs128() throws Exception {
        assertEquals(128, poolCapacityOf(ProxyService.httpProxyService(ServerConf.defaults(), new PooledProxy())));
    }
}
