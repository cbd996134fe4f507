package org.pingora4j.core.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Issue #14: an event loop that dies never leaves a process that listens but answers nothing. The
 * death is real (an error escapes the loop's I/O step and its thread ends); what is checked is that
 * the watchdog sees it, and only it: a graceful shutdown is not a death.
 */
final class EventLoopThreadsTest {

    @Test
    void aLoopWhoseThreadDiesEndsTheProcessWithStatus70() throws Exception {
        BlockingQueue<Integer> exits = new ArrayBlockingQueue<>(4);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        FaultyIoHandlers handlers = new FaultyIoHandlers();
        EventLoopGroup group = EventLoopThreads.newGroup("test-loop", 2, handlers, exits::add, new PrintStream(err, true));
        try {
            EventLoop loop = group.next();
            loop.submit(() -> { }).sync(); // the thread runs
            handlers.kill();
            try {
                loop.execute(() -> { }); // wakes it: its next I/O step throws
            } catch (java.util.concurrent.RejectedExecutionException alreadyDead) {
                // An I/O step ran between kill() and here (a wake-up already pending): it died first.
            }
            Integer status = exits.poll(10, TimeUnit.SECONDS);
            assertEquals(EventLoopThreads.LOOP_DIED, status, "the watchdog saw the loop die");
            assertTrue(loop.awaitTermination(10, TimeUnit.SECONDS), "the premise: the loop's thread really ended");
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("event loop thread test-loop"), err.toString(StandardCharsets.UTF_8));
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aGracefulShutdownIsNotADeath() throws Exception {
        BlockingQueue<Integer> exits = new ArrayBlockingQueue<>(4);
        EventLoopGroup group = EventLoopThreads.newGroup("test-loop", 1, new FaultyIoHandlers(), exits::add, System.err);
        group.next().submit(() -> { }).sync();
        assertTrue(group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS));
        assertEquals(null, exits.poll(), "no exit for loops that were told to stop");
    }

    /**
     * The whole path in a process of its own: a {@link Server}'s loop dies, and the process exits
     * with status 70 instead of going on listening.
     */
    @Test
    void aServerWhoseLoopDiesExitsWithStatus70() throws Exception {
        Path out = Files.createTempFile("loop-death", ".log");
        try {
            String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
            Process process = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                    LoopDeathMain.class.getName()))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            boolean exited = process.waitFor(60, TimeUnit.SECONDS);
            if (!exited) {
                process.destroyForcibly();
            }
            String log = Files.readString(out);
            assertTrue(exited, "the process exited; output:\n" + log);
            assertTrue(log.contains("listening, killing a loop"), "the premise: the server was up; output:\n" + log);
            assertEquals(EventLoopThreads.LOOP_DIED, process.exitValue(), "output:\n" + log);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
