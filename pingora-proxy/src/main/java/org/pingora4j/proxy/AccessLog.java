package org.pingora4j.proxy;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/*
 * Design note. The event loops never format, write or wait: each finished request offers one
 * AccessLogEntry (strings the request already had, and numbers) to a bounded queue and goes on. A
 * single daemon thread takes entries, formats them and writes them, flushing when the queue is
 * empty. The queue is bounded twice: in entries (its capacity) and in bytes (an AtomicLong of the
 * entries' weight, since a line's size is the client's to choose, up to the header limits). When
 * either is full the line is dropped and counted, never waited for: a slow disk costs lines, not
 * latency. Closing drains what is queued, then stops the thread.
 */

/**
 * The built-in access log: one line per request, in nginx's {@code combined} format or as JSON
 * lines, written off the event loops. Pingora leaves access logs to the {@code logging} phase; this
 * is that phase's usual body, done once. Turn it on with
 * {@link ProxyService.Builder#accessLog(AccessLog)}:
 * <pre>{@code
 * ProxyService<Ctx> proxy = ProxyService.builder(conf, new MyProxy())
 *         .accessLog(AccessLog.builder().format(AccessLog.Format.JSON).toFile(Path.of("access.log")).build())
 *         .build();
 * }</pre>
 * The fields: time, client address, method, request target, protocol, status, request and response
 * body bytes, upstream address, upstream and total time, whether the upstream connection was reused,
 * retries, request id ({@link Session#requestId()}), user agent, referer, and the error type if any.
 * {@code combined} has nginx's subset, so that existing log tools read it.
 */
public final class AccessLog implements AutoCloseable {

    private static final Logger logger = LoggerFactory.getLogger(AccessLog.class);

    /** The line format. */
    public enum Format {
        /** nginx's {@code combined}: {@code addr - - [time] "request" status bytes "referer" "agent"}. */
        COMBINED,
        /** One JSON object per line, with every field. */
        JSON
    }

    private final Format format;
    private final Sink sink;
    private final ArrayBlockingQueue<AccessLogEntry> queue;
    private final long maxQueuedBytes;
    private final AtomicLong queuedBytes = new AtomicLong();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private final Thread writer;
    private volatile boolean closing;

    private AccessLog(Builder b) {
        this.format = b.format;
        this.sink = b.sink.get();
        this.queue = new ArrayBlockingQueue<>(b.maxQueuedLines);
        this.maxQueuedBytes = b.maxQueuedBytes;
        this.writer = new Thread(this::writeLoop, "pingora4j-access-log");
        writer.setDaemon(true);
        writer.start();
    }

    Format format() {
        return format;
    }

    /** Returns a builder: combined format, to the SLF4J logger {@code pingora4j.access}. */
    public static Builder builder() {
        return new Builder();
    }

    /** Lines dropped because the queue was full (in lines or bytes), or the log closed. */
    public long dropped() {
        return dropped.sum();
    }

    /** Lines written. */
    public long written() {
        return written.sum();
    }

    /** Queues a request's line; never blocks. Any thread. */
    void record(AccessLogEntry entry) {
        long weight = entry.weight();
        if (closing || queuedBytes.addAndGet(weight) > maxQueuedBytes) {
            queuedBytes.addAndGet(-weight);
            dropped.increment();
            return;
        }
        if (!queue.offer(entry)) {
            queuedBytes.addAndGet(-weight);
            dropped.increment();
        }
    }

    private void writeLoop() {
        StringBuilder line = new StringBuilder(256);
        try {
            while (true) {
                AccessLogEntry entry = queue.poll(100, TimeUnit.MILLISECONDS);
                if (entry == null) {
                    sink.flush();
                    if (closing && queue.isEmpty()) {
                        return;
                    }
                    continue;
                }
                queuedBytes.addAndGet(-entry.weight());
                line.setLength(0);
                if (format == Format.JSON) {
                    AccessLogLines.json(entry, line);
                } else {
                    AccessLogLines.combined(entry, line);
                }
                try {
                    sink.write(line);
                    written.increment();
                } catch (RuntimeException e) {
                    dropped.increment();
                    logger.warn("Access log write failed; the line is dropped", e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            sink.close();
        }
    }

    /** Writes what is queued, then stops the writer and closes the file; lines offered after are dropped. */
    @Override
    public void close() {
        closing = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Where the lines go. Used by the writer thread only. */
    private interface Sink {
        void write(CharSequence line);

        default void flush() {
        }

        default void close() {
        }
    }

    private static final class LoggerSink implements Sink {
        private final Logger target;

        LoggerSink(String name) {
            target = LoggerFactory.getLogger(name);
        }

        @Override
        public void write(CharSequence line) {
            target.info("{}", line);
        }
    }

    private static final class WriterSink implements Sink {
        private final Writer out;
        private final boolean closeIt;

        WriterSink(Writer out, boolean closeIt) {
            this.out = out;
            this.closeIt = closeIt;
        }

        @Override
        public void write(CharSequence line) {
            try {
                out.append(line).append('\n');
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void flush() {
            try {
                out.flush();
            } catch (IOException e) {
                logger.warn("Access log flush failed", e);
            }
        }

        @Override
        public void close() {
            flush();
            if (closeIt) {
                try {
                    out.close();
                } catch (IOException e) {
                    logger.warn("Access log close failed", e);
                }
            }
        }
    }

    /** Configures an {@link AccessLog}; every setter validates its argument. */
    public static final class Builder {
        private Format format = Format.COMBINED;
        private java.util.function.Supplier<Sink> sink = () -> new LoggerSink("pingora4j.access");
        private int maxQueuedLines = 16_384;
        private long maxQueuedBytes = 8L << 20;

        private Builder() {
        }

        /** Sets the format; default {@link Format#COMBINED}. */
        public Builder format(Format value) {
            format = Objects.requireNonNull(value, "format");
            return this;
        }

        /**
         * Sends each line to the SLF4J logger {@code name} at INFO (the default, with
         * {@code pingora4j.access}): the logging backend decides where it goes, and how it is rolled.
         */
        public Builder toLogger(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("logger name: \"" + name + "\" (expected: a logger name)");
            }
            sink = () -> new LoggerSink(name);
            return this;
        }

        /** Appends lines to {@code file} (created if missing, opened by {@link #build()}), as UTF-8. */
        public Builder toFile(Path file) {
            Objects.requireNonNull(file, "file");
            sink = () -> {
                try {
                    return new WriterSink(Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE), true);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot open the access log " + file + " for appending", e);
                }
            };
            return this;
        }

        /** Writes lines to {@code out} (standard output, say), as UTF-8; it is flushed, never closed. */
        public Builder toStream(OutputStream out) {
            Objects.requireNonNull(out, "out");
            sink = () -> new WriterSink(new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8)), false);
            return this;
        }

        /**
         * Bounds what waits to be written: at most {@code lines} lines and {@code bytes} bytes of
         * them (default 16384 and 8 MiB); past either, lines are dropped and counted.
         */
        public Builder maxQueued(int lines, long bytes) {
            if (lines < 1) {
                throw new IllegalArgumentException("lines: " + lines + " (expected: >= 1)");
            }
            if (bytes < 1024) {
                throw new IllegalArgumentException("bytes: " + bytes + " (expected: >= 1024)");
            }
            maxQueuedLines = lines;
            maxQueuedBytes = bytes;
            return this;
        }

        /**
         * Opens the destination and starts the log's writer thread.
         *
         * @throws UncheckedIOException if the file cannot be opened for appending
         */
        public AccessLog build() {
            return new AccessLog(this);
        }
    }
}
