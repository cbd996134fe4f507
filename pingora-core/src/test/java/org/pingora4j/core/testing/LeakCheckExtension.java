package org.pingora4j.core.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test if Netty reported a leaked buffer by the time it ends. Registered for every test
 * through JUnit's extension auto-detection ({@code junit-platform.properties}).
 *
 * <p>Netty notices a leak only when the garbage collector has cleared the leaked object and a later
 * allocation polls the detector's queue, so each check collects garbage and allocates a few times.
 */
public final class LeakCheckExtension implements AfterEachCallback {

    private static final int ROUNDS = 3;

    @Override
    public void afterEach(ExtensionContext context) {
        check(context.getDisplayName());
    }

    /** Collects garbage, lets Netty poll for leaks, and throws if any was reported. */
    static void check(String testName) {
        LeakTracking.install();
        for (int i = 0; i < ROUNDS; i++) {
            System.gc();
            for (int j = 0; j < 16; j++) {
                ByteBuf pooled = PooledByteBufAllocator.DEFAULT.buffer(16);
                pooled.release();
                ByteBuf unpooled = UnpooledByteBufAllocator.DEFAULT.buffer(16);
                unpooled.release();
            }
        }
        List<String> leaks = LeakTracking.drain();
        if (!leaks.isEmpty()) {
            throw new AssertionError(leaks.size() + " Netty leak(s) in " + testName + ":\n"
                    + String.join("\n", leaks));
        }
    }
}
