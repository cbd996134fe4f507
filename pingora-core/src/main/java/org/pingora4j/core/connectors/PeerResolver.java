package org.pingora4j.core.connectors;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Resolves upstream host names for the connectors without blocking an event loop.
 *
 * <p>IP literals resolve inline. Other names go to the JDK resolver (which honours
 * {@code /etc/hosts}, the JVM's DNS cache settings and any installed resolver provider) on a small
 * pool of daemon threads: Netty's default resolver would call it on the event loop itself, which
 * stalls every connection of that loop for as long as a DNS query takes. Pingora sidesteps the
 * question by resolving in {@code HttpPeer::new}, on the request's thread.
 */
public final class PeerResolver {

    private static final ExecutorService BLOCKING_LOOKUPS = new ThreadPoolExecutor(0, 4, 30, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), new DefaultThreadFactory("pingora-dns", true));

    private PeerResolver() {
    }

    /** Returns the resolver that asks the JDK (system hosts file and DNS). */
    public static AddressResolverGroup<InetSocketAddress> system() {
        return new Group(Map.of());
    }

    /**
     * Returns a resolver that answers the names in {@code overrides} (lower-case) itself and asks
     * the JDK for every other name: what a test uses to send {@code api.example.com} to loopback
     * without touching the system.
     */
    public static AddressResolverGroup<InetSocketAddress> withOverrides(Map<String, InetAddress> overrides) {
        return new Group(Map.copyOf(overrides));
    }

    private static final class Group extends AddressResolverGroup<InetSocketAddress> {
        private final Map<String, InetAddress> overrides;

        Group(Map<String, InetAddress> overrides) {
            this.overrides = overrides;
        }

        @Override
        protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
            return new OffloadingResolver(executor, overrides).asAddressResolver();
        }
    }

    private static final class OffloadingResolver extends InetNameResolver {
        private final Map<String, InetAddress> overrides;

        OffloadingResolver(EventExecutor executor, Map<String, InetAddress> overrides) {
            super(executor);
            this.overrides = overrides;
        }

        @Override
        protected void doResolve(String host, Promise<InetAddress> promise) {
            InetAddress known = known(host);
            if (known != null) {
                promise.trySuccess(known);
                return;
            }
            BLOCKING_LOOKUPS.execute(() -> {
                try {
                    promise.trySuccess(InetAddress.getByName(host));
                } catch (UnknownHostException | RuntimeException e) {
                    promise.tryFailure(e);
                }
            });
        }

        @Override
        protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
            InetAddress known = known(host);
            if (known != null) {
                promise.trySuccess(List.of(known));
                return;
            }
            BLOCKING_LOOKUPS.execute(() -> {
                try {
                    promise.trySuccess(List.of(InetAddress.getAllByName(host)));
                } catch (UnknownHostException | RuntimeException e) {
                    promise.tryFailure(e);
                }
            });
        }

        private InetAddress known(String host) {
            InetAddress override = overrides.get(host.toLowerCase(Locale.ROOT));
            if (override != null) {
                return override;
            }
            byte[] literal = NetUtil.createByteArrayFromIpAddressString(host);
            if (literal == null) {
                return null;
            }
            try {
                return InetAddress.getByAddress(host, literal);
            } catch (UnknownHostException e) {
                throw new IllegalStateException("a valid IP literal was rejected: " + host, e);
            }
        }
    }
}
