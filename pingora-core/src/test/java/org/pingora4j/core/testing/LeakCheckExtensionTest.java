package org.pingora4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak check must fail a test that leaks, not merely log it. */
final class LeakCheckExtensionTest {

    @Test
    void aLeakedBufferFailsTheCheck() {
        leakOneBuffer();
        // The collector finds the buffer at once, but the JDK hands it to the detector's reference
        // queue on its own thread: on a loaded machine one check's rounds can end before that.
        // Checked again, a bounded number of times, until the leak shows.
        AssertionError error = null;
        for (int attempt = 0; attempt < 50 && error == null; attempt++) {
            try {
                LeakCheckExtension.check("self-test");
            } catch (AssertionError e) {
                error = e;
            }
        }
        assertNotNull(error, "the leaked buffer was never reported");
        assertTrue(error.getMessage().contains("leak"), error.getMessage());
    }

    @Test
    void noLeakPassesTheCheck() {
        ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(64);
        buf.writeLong(42);
        buf.release();
        LeakCheckExtension.check("clean");
    }

    private static void leakOneBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.buffer(64);
        leaked.writeLong(7);
        // dropped without release(): the detector reports it once it is collected
    }
}
