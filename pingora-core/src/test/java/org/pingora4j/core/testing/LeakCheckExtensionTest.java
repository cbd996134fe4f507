package org.pingora4j.core.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

/** The leak check must fail a test that leaks, not merely log it. */
final class LeakCheckExtensionTest {

    @Test
    void aLeakedBufferFailsTheCheck() {
        leakOneBuffer();
        AssertionError error = assertThrows(AssertionError.class, () -> LeakCheckExtension.check("self-test"));
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
