package org.pingora4j.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Bodies of any size stream through the proxy, both ways at once, in bounded memory. */
final class ProxyStreamingTest {

    private static final long GIB = 1L << 30;
    /** Far below the 2 GiB that pass: proves nothing is buffered whole. */
    private static final long MEMORY_BOUND = 96L << 20;

    /** Generates {@code size} bytes without holding them. */
    private static final class Generated extends InputStream {
        private long remaining;

        Generated(long size) {
            remaining = size;
        }

        @Override
        public int read() {
            if (remaining == 0) {
                return -1;
            }
            remaining--;
            return 'x';
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (remaining == 0) {
                return -1;
            }
            int n = (int) Math.min(len, remaining);
            java.util.Arrays.fill(b, off, off + n, (byte) 'x');
            remaining -= n;
            return n;
        }
    }

    @Test
    void oneGibibyteEachWayPassesInBoundedMemory() throws Exception {
        ByteBufAllocatorMetricProvider allocator = (ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT;
        AtomicLong peakNetty = new AtomicLong();
        AtomicLong peakHeap = new AtomicLong();
        Runtime runtime = Runtime.getRuntime();
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
        sampler.scheduleAtFixedRate(() -> {
            long netty = allocator.metric().usedDirectMemory() + allocator.metric().usedHeapMemory();
            peakNetty.accumulateAndGet(netty, Math::max);
            peakHeap.accumulateAndGet(runtime.totalMemory() - runtime.freeMemory(), Math::max);
        }, 0, 20, TimeUnit.MILLISECONDS);
        try (StreamingOrigin origin = new StreamingOrigin();
             ProxyFixture fixture = ProxyFixture.of(new PooledProxyTest.PooledProxy(origin.address()))) {
            HttpRequest upload = HttpRequest.newBuilder(fixture.uri("/stream?respond=" + GIB))
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new Generated(GIB)))
                    .build();
            HttpResponse<InputStream> response = fixture.client.send(upload, HttpResponse.BodyHandlers.ofInputStream());
            long downloaded = 0;
            try (InputStream body = response.body()) {
                byte[] buffer = new byte[256 * 1024];
                for (int n = body.read(buffer); n >= 0; n = body.read(buffer)) {
                    downloaded += n;
                }
            }
            assertEquals(200, response.statusCode());
            assertEquals(String.valueOf(GIB), response.headers().firstValue("X-Received").orElse(""),
                    "the origin received the whole request body");
            assertEquals(GIB, downloaded, "the client received the whole response body");
        } finally {
            sampler.shutdownNow();
        }
        assertTrue(peakNetty.get() < MEMORY_BOUND, "Netty buffers peaked at " + (peakNetty.get() >> 20) + " MiB");
        assertTrue(peakHeap.get() < 2 * MEMORY_BOUND + (256L << 20),
                "heap peaked at " + (peakHeap.get() >> 20) + " MiB");
    }
}
