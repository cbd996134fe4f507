package org.pingora4j.core.server;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;
import io.netty.channel.nio.NioIoHandler;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * NIO event loops whose I/O step throws an {@link Error} once {@link #kill} is called: the way an
 * {@link OutOfMemoryError} raised inside Netty's own failure handling escapes a loop and ends its
 * thread (Netty 4.2's loop does not catch errors from its I/O handler).
 */
final class FaultyIoHandlers implements IoHandlerFactory {

    private final IoHandlerFactory nio = NioIoHandler.newFactory();
    private final AtomicBoolean killed = new AtomicBoolean();

    /** From now on, the next I/O step of every loop throws. */
    void kill() {
        killed.set(true);
    }

    @Override
    public IoHandler newHandler(io.netty.util.concurrent.ThreadAwareExecutor executor) {
        IoHandler delegate = nio.newHandler(executor);
        return new IoHandler() {
            @Override
            public void initialize() {
                delegate.initialize();
            }

            @Override
            public int run(IoHandlerContext context) {
                if (killed.get()) {
                    throw new OutOfMemoryError("injected: the loop's I/O step failed");
                }
                return delegate.run(context);
            }

            @Override
            public void prepareToDestroy() {
                delegate.prepareToDestroy();
            }

            @Override
            public void destroy() {
                delegate.destroy();
            }

            @Override
            public IoRegistration register(IoHandle handle) throws Exception {
                return delegate.register(handle);
            }

            @Override
            public void wakeup() {
                delegate.wakeup();
            }

            @Override
            public boolean isCompatible(Class<? extends IoHandle> handleType) {
                return delegate.isCompatible(handleType);
            }
        };
    }
}
