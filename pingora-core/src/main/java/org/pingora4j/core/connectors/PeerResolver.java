package org.pingora4j.core.connectors;

import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.resolver.InetNameResolver;
import io.netty.util.NetUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.pingora4j.core.error.ErrorType;

/**
 * Resolves upstream host names for the connectors without blocking an event loop.
 *
 * <p>IP literals resolve inline. Other names go to the JDK resolver (which honours
 * {@code /etc/hosts}, the JVM's DNS cache settings and any installed resolver provider) on a small
 * pool of daemon threads: Netty's default resolver would call it on the event loop itself, which
 * stalls every connection of that loop for as long as a DNS query takes. Pingora sidesteps the
 * question by resolving in {@code HttpPeer::new}, on the request's thread.
 *
 * <p>The pool has 8 threads, all of which run lookups concurrently (a slow DNS answer holds one
 * thread, not every lookup behind it), and queues at most 1024 more; past that a lookup fails at once with {@link ErrorType#DNS_FAILED}.
 * Netty's own asynchronous DNS resolver is not used: it reads neither the JVM's resolver
 * configuration nor an installed resolver provider, which tests and some deployments rely on.
 */
public final class PeerResolver {

    /** How many lookups may run at the same time. */
    static final int LOOKUP_THREADS = 8;
    /** How many lookups may wait for a thread. */
    static final int LOOKUP_QUEUE = 1024;

    private static final ExecutorService BLOCKING_LOOKUPS =
            BlockingPools.create("pingora-dns", LOOKUP_THREADS, LOOKUP_QUEUE);

    /** A blocking lookup of every address of a name, as {@link InetAddress#getAllByName}. */
    @FunctionalInterface
    interface Lookup {
        InetAddress[] all(String host) throws UnknownHostException;
    }

    private PeerResolver() {
    }

    /** Returns the resolver that asks the JDK (system hosts file and DNS). */
    public static AddressResolverGroup<InetSocketAddress> system() {
        return new Group(Map.of(), InetAddress::getAllByName, BLOCKING_LOOKUPS);
    }

    /**
     * Returns a resolver that answers the names in {@code overrides} (lower-case) itself and asks
     * the JDK for every other name: what a test uses to send {@code api.example.com} to loopback
     * without touching the system.
     */
    public static AddressResolverGroup<InetSocketAddress> withOverrides(Map<String, InetAddress> overrides) {
        return new Group(Map.copyOf(overrides), InetAddress::getAllByName, BLOCKING_LOOKUPS);
    }

    /** Returns a resolver whose names not in {@code overrides} go to {@code lookup}: for tests. */
    static AddressResolverGroup<InetSocketAddress> withLookup(Map<String, InetAddress> overrides, Lookup lookup) {
        return new Group(Map.copyOf(overrides), lookup, BLOCKING_LOOKUPS);
    }

    private static final class Group extends AddressResolverGroup<InetSocketAddress> {
        private final Map<String, InetAddress> overrides;
        private final Lookup lookup;
        private final Executor lookups;

        Group(Map<String, InetAddress> overrides, Lookup lookup, Executor lookups) {
            this.overrides = overrides;
            this.lookup = lookup;
            this.lookups = lookups;
        }

        @Override
        protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
            return new OffloadingResolver(executor, overrides, lookup, lookups).asAddressResolver();
        }
    }

    private static final class OffloadingResolver extends InetNameResolver {
        private final Map<String, InetAddress> overrides;
        private final Lookup lookup;
        private final Executor lookups;

        OffloadingResolver(EventExecutor executor, Map<String, InetAddress> overrides, Lookup lookup, Executor lookups) {
            super(executor);
            this.overrides = overrides;
            this.lookup = lookup;
            this.lookups = lookups;
        }

        @Override
        protected void doResolve(String host, Promise<InetAddress> promise) {
            InetAddress known = known(host);
            if (known != null) {
                promise.trySuccess(known);
                return;
            }
            offload(host, promise, all -> all[0]);
        }

        @Override
        protected void doResolveAll(String host, Promise<List<InetAddress>> promise) {
            InetAddress known = known(host);
            if (known != null) {
                promise.trySuccess(List.of(known));
                return;
            }
            offload(host, promise, List::of);
        }

        private <T> void offload(String host, Promise<T> promise, Function<InetAddress[], T> answer) {
            try {
                lookups.execute(() -> {
                    try {
                        promise.trySuccess(answer.apply(lookup.all(host)));
                    } catch (UnknownHostException | RuntimeException e) {
                        promise.tryFailure(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                UnknownHostException busy = new UnknownHostException(
                        host + ": too many name lookups in progress (" + LOOKUP_THREADS + " running, " + LOOKUP_QUEUE + " queued)");
                busy.initCause(e);
                promise.tryFailure(busy);
            }
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
