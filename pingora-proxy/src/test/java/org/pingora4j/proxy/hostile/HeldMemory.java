package org.pingora4j.proxy.hostile;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.util.internal.PlatformDependent;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * What this JVM holds, measured the way the issue measured the proxy: the live heap after full
 * collections, plus the direct memory Netty's default allocator holds. A test takes one
 * {@link Snapshot} before an attack and one while it holds, and charges the difference to the
 * proxy, which is why everything else in the JVM (the attackers, the origin) keeps its memory
 * small and constant.
 *
 * <p>The direct part is the allocator's own count ({@code ByteBufAllocatorMetric.usedDirectMemory}):
 * for Netty 4.2's default {@code AdaptiveByteBufAllocator} that is the capacity of the chunks it
 * reserved (128 KiB and up, at most 8 MiB each), not the bytes of live buffers in them; memory a
 * chunk holds for a few live buffers counts in full, which is what the process pays. Its heap
 * buffers are in the heap figure already. Also kept, for cross-checks only: Netty's own direct
 * counter ({@code PlatformDependent.usedDirectMemory()}, -1 where Netty allocates through the JDK,
 * as on JDK 17 without {@code --add-opens}) and the JDK's direct buffer pool (which also holds the
 * JDK's per-thread socket buffers of the test's blocking sockets).
 */
final class HeldMemory {

    private HeldMemory() {
    }

    /** One measurement; {@link #held()} is the figure a bound is checked against. */
    record Snapshot(long heap, long allocatorDirect, long nettyCounter, long jdkDirect) {

        long held() {
            return heap + allocatorDirect;
        }

        /** This snapshot minus {@code base}, field by field. */
        Snapshot minus(Snapshot base) {
            return new Snapshot(heap - base.heap, allocatorDirect - base.allocatorDirect,
                    nettyCounter - base.nettyCounter, jdkDirect - base.jdkDirect);
        }

        @Override
        public String toString() {
            return "held " + kib(held()) + " (heap " + kib(heap) + ", allocator direct " + kib(allocatorDirect)
                    + "; cross-checks: Netty counter " + (nettyCounter == -1 ? "n/a" : kib(nettyCounter))
                    + ", JDK direct pool " + kib(jdkDirect) + ")";
        }
    }

    /** Collects garbage until the heap stops shrinking (at most a few rounds), then measures. */
    static Snapshot take() {
        long used = Long.MAX_VALUE;
        for (int round = 0; round < 6; round++) {
            System.gc();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // let reference handlers and cleaners run
            long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            if (round >= 2 && now >= used - 64 * 1024) {
                used = Math.min(used, now);
                break;
            }
            used = Math.min(used, now);
        }
        return new Snapshot(used, allocatorDirect(), PlatformDependent.usedDirectMemory(), jdkDirect());
    }

    /** The direct memory the default allocator holds, or 0 if it does not say. */
    static long allocatorDirect() {
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        if (alloc instanceof ByteBufAllocatorMetricProvider provider) {
            ByteBufAllocatorMetric metric = provider.metric();
            return metric.usedDirectMemory();
        }
        return 0;
    }

    private static long jdkDirect() {
        for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (pool.getName().equals("direct")) {
                return pool.getMemoryUsed();
            }
        }
        return -1;
    }

    /** The default allocator's class, for reports. */
    static String allocatorName() {
        return ByteBufAllocator.DEFAULT.getClass().getSimpleName()
                + (PlatformDependent.useDirectBufferNoCleaner() ? " (no-cleaner direct buffers)" : " (JDK direct buffers)");
    }

    static String kib(long bytes) {
        return (bytes / 1024) + " KiB";
    }
}
