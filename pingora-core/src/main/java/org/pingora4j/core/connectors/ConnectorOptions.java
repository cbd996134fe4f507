package org.pingora4j.core.connectors;

import io.netty.util.NetUtil;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.pingora4j.core.server.conf.ServerConf;
import org.pingora4j.pool.ConnectionPool;
import org.pingora4j.pool.ConnectionPoolBuilder;

/**
 * The options a connector is built from: trust, client certificate, source addresses, connect
 * offloading and the idle connection pool's size. Mirrors pingora's {@code ConnectorOptions}
 * ({@code pingora-core/src/connectors/mod.rs}).
 *
 * <p>Immutable. {@link #ConnectorOptions(int)} is pingora's {@code ConnectorOptions::new},
 * {@link #fromServerConf(ServerConf)} its {@code from_server_conf}; {@link #builder()} sets the rest.
 *
 * <p>pingora4j addition: pingora's pool is a hard cap of {@link #keepalivePoolSize()} per thread,
 * ours is one pool for all threads that may overshoot that size for a while (see
 * {@link ConnectionPoolBuilder}): {@link #keepalivePoolMaxIdle()} is the ceiling it never crosses and
 * {@link #keepalivePoolTrimDelay()} how long it may stay above the size.
 */
public final class ConnectorOptions {

    /** The pool size when none is given, pingora's {@code TransportConnector} {@code DEFAULT_POOL_SIZE}. */
    public static final int DEFAULT_KEEPALIVE_POOL_SIZE = ConnectionPool.DEFAULT_CAPACITY;
    /** The default {@link #keepalivePoolTrimDelay()}. */
    public static final Duration DEFAULT_KEEPALIVE_POOL_TRIM_DELAY = ConnectionPoolBuilder.DEFAULT_TRIM_DELAY;
    /** The longest {@link #keepalivePoolTrimDelay()}. */
    public static final Duration MAX_KEEPALIVE_POOL_TRIM_DELAY = Duration.ofDays(1);

    private final int keepalivePoolSize;
    private final int keepalivePoolMaxIdle;
    private final Duration keepalivePoolTrimDelay;
    private final Path caFile;
    private final CertKeyFiles certKeyFile;
    private final boolean debugSslKeylog;
    private final OffloadThreadpool offloadThreadpool;
    private final List<InetAddress> bindToV4;
    private final List<InetAddress> bindToV6;

    /**
     * Creates options with only the pool size set. Mirrors pingora's {@code ConnectorOptions::new}.
     *
     * @throws IllegalArgumentException if {@code keepalivePoolSize} is negative
     */
    public ConnectorOptions(int keepalivePoolSize) {
        this(builder().keepalivePoolSize(keepalivePoolSize));
    }

    private ConnectorOptions(Builder b) {
        keepalivePoolSize = b.keepalivePoolSize;
        keepalivePoolMaxIdle = b.keepalivePoolMaxIdle == Builder.UNSET
                ? defaultMaxIdle(b.keepalivePoolSize) : b.keepalivePoolMaxIdle;
        keepalivePoolTrimDelay = b.keepalivePoolTrimDelay;
        caFile = b.caFile;
        certKeyFile = b.certKeyFile;
        debugSslKeylog = b.debugSslKeylog;
        offloadThreadpool = b.offloadThreadpool;
        bindToV4 = b.bindToV4;
        bindToV6 = b.bindToV6;
    }

    /**
     * Derives the options a server configuration implies. Mirrors pingora's
     * {@code ConnectorOptions::from_server_conf}, field for field: the offload pools are set only
     * when both {@code upstream_connect_offload_threadpools} and
     * {@code upstream_connect_offload_thread_per_pool} are; the bind lists are parsed as IP literals,
     * never resolved. {@link #certKeyFile()} stays empty, as in pingora, which does not derive it yet;
     * the pool's overshoot settings take their defaults.
     */
    public static ConnectorOptions fromServerConf(ServerConf conf) {
        Objects.requireNonNull(conf, "conf");
        Builder b = builder()
                .keepalivePoolSize(conf.upstreamKeepalivePoolSize())
                .caFile(conf.caFile().orElse(null))
                .debugSslKeylog(conf.upstreamDebugSslKeylog())
                .bindToV4(parseLiterals("clientBindToIpv4", conf.clientBindToIpv4(), false))
                .bindToV6(parseLiterals("clientBindToIpv6", conf.clientBindToIpv6(), true));
        Optional<Integer> pools = conf.upstreamConnectOffloadThreadpools();
        Optional<Integer> threads = conf.upstreamConnectOffloadThreadPerPool();
        if (pools.isPresent() && threads.isPresent() && pools.get() > 0 && threads.get() > 0) {
            b.offloadThreadpool(new OffloadThreadpool(pools.get(), threads.get()));
        }
        return b.build();
    }

    /**
     * Returns a builder holding the defaults. Mirrors filling in pingora's {@code ConnectorOptions}
     * by hand.
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Returns a builder holding these options. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Returns pingora's {@code keepalive_pool_size}: idle connections kept in steady state. */
    public int keepalivePoolSize() {
        return keepalivePoolSize;
    }

    /** Returns the ceiling on idle pooled connections, 2 × the size unless set (a pingora4j addition). */
    public int keepalivePoolMaxIdle() {
        return keepalivePoolMaxIdle;
    }

    /** Returns how long the pool may hold more than its size before trimming (a pingora4j addition). */
    public Duration keepalivePoolTrimDelay() {
        return keepalivePoolTrimDelay;
    }

    /**
     * Returns the CA file that verifies upstream certificates, else the default trust store.
     * Mirrors pingora's {@code ca_file}.
     */
    public Optional<Path> caFile() {
        return Optional.ofNullable(caFile);
    }

    /** Returns the default mTLS client certificate and key. Mirrors pingora's {@code cert_key_file}. */
    public Optional<CertKeyFiles> certKeyFile() {
        return Optional.ofNullable(certKeyFile);
    }

    /** Returns pingora's {@code debug_ssl_keylog}: whether TLS keys go to {@code $SSLKEYLOGFILE}. */
    public boolean debugSslKeylog() {
        return debugSslKeylog;
    }

    /** Returns the dedicated connect thread pools, if any. Mirrors pingora's {@code offload_threadpool}. */
    public Optional<OffloadThreadpool> offloadThreadpool() {
        return Optional.ofNullable(offloadThreadpool);
    }

    /**
     * Returns the IPv4 source addresses, one picked at random per connection. Mirrors pingora's
     * {@code bind_to_v4}.
     */
    public List<InetAddress> bindToV4() {
        return bindToV4;
    }

    /**
     * Returns the IPv6 source addresses, one picked at random per connection. Mirrors pingora's
     * {@code bind_to_v6}.
     */
    public List<InetAddress> bindToV6() {
        return bindToV6;
    }

    /** Returns whether {@code o} holds the same options. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        return o instanceof ConnectorOptions other
                && keepalivePoolSize == other.keepalivePoolSize
                && keepalivePoolMaxIdle == other.keepalivePoolMaxIdle
                && keepalivePoolTrimDelay.equals(other.keepalivePoolTrimDelay)
                && Objects.equals(caFile, other.caFile)
                && Objects.equals(certKeyFile, other.certKeyFile)
                && debugSslKeylog == other.debugSslKeylog
                && Objects.equals(offloadThreadpool, other.offloadThreadpool)
                && bindToV4.equals(other.bindToV4)
                && bindToV6.equals(other.bindToV6);
    }

    /** Returns a hash of all options. */
    @Override
    public int hashCode() {
        return Objects.hash(keepalivePoolSize, keepalivePoolMaxIdle, keepalivePoolTrimDelay, caFile,
                certKeyFile, debugSslKeylog, offloadThreadpool, bindToV4, bindToV6);
    }

    /** Returns all options by name. */
    @Override
    public String toString() {
        return "ConnectorOptions{keepalivePoolSize=" + keepalivePoolSize
                + ", keepalivePoolMaxIdle=" + keepalivePoolMaxIdle
                + ", keepalivePoolTrimDelay=" + keepalivePoolTrimDelay
                + ", caFile=" + caFile
                + ", certKeyFile=" + certKeyFile
                + ", debugSslKeylog=" + debugSslKeylog
                + ", offloadThreadpool=" + offloadThreadpool
                + ", bindToV4=" + bindToV4
                + ", bindToV6=" + bindToV6 + '}';
    }

    static int defaultMaxIdle(int size) {
        long overshoot = (long) size * ConnectionPoolBuilder.DEFAULT_OVERSHOOT_FACTOR;
        return (int) Math.min(Integer.MAX_VALUE, overshoot);
    }

    /**
     * Parses IP literals without DNS. An IPv4-mapped IPv6 literal stays an {@link Inet6Address}
     * (Netty's {@code createInetAddressFromIpAddressString} would unwrap it to IPv4), since it is bound
     * on an IPv6 socket like pingora's {@code SocketAddr::V6}.
     */
    private static List<InetAddress> parseLiterals(String name, List<String> literals, boolean v6) {
        List<InetAddress> addresses = new ArrayList<>(literals.size());
        for (int i = 0; i < literals.size(); i++) {
            String literal = literals.get(i);
            InetAddress address = null;
            if (!v6) {
                address = NetUtil.createInetAddressFromIpAddressString(literal);
            } else if (NetUtil.isValidIpV6Address(literal)) {
                try {
                    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(literal);
                    address = Inet6Address.getByAddress(null, bytes, -1);
                } catch (UnknownHostException e) {
                    address = null;
                }
            }
            if (v6 ? !(address instanceof Inet6Address) : !(address instanceof Inet4Address)) {
                throw new IllegalArgumentException(name + "[" + i + "]: \"" + literal + "\" (expected: an IPv"
                        + (v6 ? 6 : 4) + " literal)");
            }
            addresses.add(address);
        }
        return addresses;
    }

    /**
     * Builds {@link ConnectorOptions}. Mirrors filling in pingora's {@code ConnectorOptions} struct.
     *
     * <p>Every setter validates its argument at once, throwing {@link IllegalArgumentException}
     * like {@code "keepalivePoolSize: -1 (expected: >= 0)"}; the setters of optional values take
     * {@code null} as "unset". {@link #build()} checks the pool settings against each other.
     */
    public static final class Builder {

        static final int UNSET = -1;

        private int keepalivePoolSize = DEFAULT_KEEPALIVE_POOL_SIZE;
        private int keepalivePoolMaxIdle = UNSET;
        private Duration keepalivePoolTrimDelay = DEFAULT_KEEPALIVE_POOL_TRIM_DELAY;
        private Path caFile;
        private CertKeyFiles certKeyFile;
        private boolean debugSslKeylog;
        private OffloadThreadpool offloadThreadpool;
        private List<InetAddress> bindToV4 = List.of();
        private List<InetAddress> bindToV6 = List.of();

        Builder() {
        }

        Builder(ConnectorOptions o) {
            keepalivePoolSize = o.keepalivePoolSize;
            // A derived ceiling stays derived, so that resizing the copy moves it along.
            keepalivePoolMaxIdle = o.keepalivePoolMaxIdle == defaultMaxIdle(o.keepalivePoolSize)
                    ? UNSET : o.keepalivePoolMaxIdle;
            keepalivePoolTrimDelay = o.keepalivePoolTrimDelay;
            caFile = o.caFile;
            certKeyFile = o.certKeyFile;
            debugSslKeylog = o.debugSslKeylog;
            offloadThreadpool = o.offloadThreadpool;
            bindToV4 = o.bindToV4;
            bindToV6 = o.bindToV6;
        }

        /**
         * Sets how many idle connections the pool keeps (pingora's {@code keepalive_pool_size}, &ge; 0;
         * 0 disables pooling). Unless {@link #keepalivePoolMaxIdle(int)} was set, the ceiling follows
         * as twice this.
         */
        public Builder keepalivePoolSize(int size) {
            if (size < 0) {
                throw new IllegalArgumentException("keepalivePoolSize: " + size + " (expected: >= 0)");
            }
            this.keepalivePoolSize = size;
            return this;
        }

        /** Sets the ceiling on idle pooled connections (&ge; 0, and &ge; the size at {@link #build()}). */
        public Builder keepalivePoolMaxIdle(int maxIdle) {
            if (maxIdle < 0) {
                throw new IllegalArgumentException("keepalivePoolMaxIdle: " + maxIdle + " (expected: >= 0)");
            }
            this.keepalivePoolMaxIdle = maxIdle;
            return this;
        }

        /** Sets how long the pool may hold more than its size (0s..1d). */
        public Builder keepalivePoolTrimDelay(Duration delay) {
            if (delay == null) {
                throw new NullPointerException("keepalivePoolTrimDelay");
            }
            if (delay.isNegative() || delay.compareTo(MAX_KEEPALIVE_POOL_TRIM_DELAY) > 0) {
                throw new IllegalArgumentException(
                        "keepalivePoolTrimDelay: " + delay + " (expected: 0s..1d)");
            }
            this.keepalivePoolTrimDelay = delay;
            return this;
        }

        /** Sets the CA file for upstream certificates (pingora's {@code ca_file}); null unsets it. */
        public Builder caFile(Path caFile) {
            if (caFile != null && caFile.toString().isEmpty()) {
                throw new IllegalArgumentException("caFile: \"\" (expected: a non-empty path)");
            }
            this.caFile = caFile;
            return this;
        }

        /** Sets the default mTLS client certificate (pingora's {@code cert_key_file}); null unsets it. */
        public Builder certKeyFile(CertKeyFiles certKeyFile) {
            this.certKeyFile = certKeyFile;
            return this;
        }

        /** Sets whether TLS keys are logged (pingora's {@code debug_ssl_keylog}). */
        public Builder debugSslKeylog(boolean enabled) {
            this.debugSslKeylog = enabled;
            return this;
        }

        /** Sets the dedicated connect thread pools (pingora's {@code offload_threadpool}); null unsets it. */
        public Builder offloadThreadpool(OffloadThreadpool offloadThreadpool) {
            this.offloadThreadpool = offloadThreadpool;
            return this;
        }

        /**
         * Sets the IPv4 source addresses (pingora's {@code bind_to_v4}); each must be an {@link
         * Inet4Address}.
         */
        public Builder bindToV4(List<InetAddress> addresses) {
            this.bindToV4 = checkFamily("bindToV4", addresses, false);
            return this;
        }

        /**
         * Sets the IPv6 source addresses (pingora's {@code bind_to_v6}); each must be an {@link
         * Inet6Address}.
         */
        public Builder bindToV6(List<InetAddress> addresses) {
            this.bindToV6 = checkFamily("bindToV6", addresses, true);
            return this;
        }

        /**
         * Builds the options.
         *
         * @throws IllegalStateException if the pool ceiling was set below the pool size
         */
        public ConnectorOptions build() {
            if (keepalivePoolMaxIdle != UNSET && keepalivePoolMaxIdle < keepalivePoolSize) {
                throw new IllegalStateException("keepalivePoolMaxIdle: " + keepalivePoolMaxIdle
                        + " (expected: >= keepalivePoolSize " + keepalivePoolSize + ")");
            }
            return new ConnectorOptions(this);
        }

        private static List<InetAddress> checkFamily(String name, List<InetAddress> addresses, boolean v6) {
            if (addresses == null) {
                throw new NullPointerException(name);
            }
            for (int i = 0; i < addresses.size(); i++) {
                InetAddress address = addresses.get(i);
                if (address == null) {
                    throw new NullPointerException(name + "[" + i + "]");
                }
                if (v6 != (address instanceof Inet6Address)) {
                    throw new IllegalArgumentException(name + "[" + i + "]: " + address.getHostAddress()
                            + " (expected: an IPv" + (v6 ? 6 : 4) + " address)");
                }
            }
            return List.copyOf(addresses);
        }
    }
}
