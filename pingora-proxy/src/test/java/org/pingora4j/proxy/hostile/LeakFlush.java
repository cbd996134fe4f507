package org.pingora4j.proxy.hostile;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;

/**
 * Lets Netty report, before a long test ends, the buffers it leaked: the detector notices a leak
 * only after a collection and on a later allocation, so without this a fuzz run's leak can
 * surface in (and fail) whichever test runs next. It only hastens the report; the leak check that
 * runs after every test still decides.
 */
final class LeakFlush {

    private LeakFlush() {
    }

    static void flush() {
        for (int round = 0; round < 10; round++) {
            System.gc();
            for (int i = 0; i < 64; i++) {
                ByteBuf pooled = PooledByteBufAllocator.DEFAULT.buffer(16);
                pooled.release();
                ByteBuf unpooled = UnpooledByteBufAllocator.DEFAULT.buffer(16);
                unpooled.release();
            }
        }
    }
}
