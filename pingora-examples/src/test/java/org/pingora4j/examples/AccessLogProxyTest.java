package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.pingora4j.core.testing.TestOrigin;
import org.slf4j.LoggerFactory;

/** The access-log example: its line from the logging phase, and the logback set-up it runs on. */
final class AccessLogProxyTest {

    private static final Pattern LINE = Pattern.compile(
            "\\{\"time\":\"[0-9T:.Z-]+\",\"client\":\"127\\.0\\.0\\.1:\\d+\",\"method\":\"GET\",\"uri\":\"(\\S+?)\","
                    + "\"protocol\":\"HTTP/1\\.1\",\"status\":(\\d+),\"bytes_in\":0,\"bytes_out\":(\\d+),"
                    + "\"upstream\":(\"127\\.0\\.0\\.1:(\\d+)\"|null),\"upstream_time_ms\":([0-9.]+),\"total_time_ms\":[0-9.]+,"
                    + "\"reused\":(true|false),\"retries\":(\\d+),\"request_id\":\"([0-9a-f]{32})\","
                    + "\"user_agent\":(\"[^\"]*\"|null),\"referer\":null,\"error\":(null|\"[A-Z_]+\")}");

    @Test
    void theBuiltInLogWritesAJsonLinePerRequest() throws Exception {
        Logger access = (Logger) LoggerFactory.getLogger("access");
        Capture capture = new Capture();
        capture.start();
        access.addAppender(capture);
        try (TestOrigin origin = TestOrigin.plain();
             ExampleFixture fixture = new ExampleFixture(new AccessLogProxy(origin.address()),
                     b -> b.accessLog(AccessLogProxy.accessLog()))) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.CREATED, "made"));
            fixture.get("site.test", "/a?b=1");
            fixture.get("site.test", "/a?b=1");

            Matcher first = LINE.matcher(capture.next());
            assertTrue(first.matches(), first.toString());
            assertEquals("/a?b=1", first.group(1));
            assertEquals("201", first.group(2));
            assertEquals("4", first.group(3), "bytes out: the body");
            assertEquals(origin.port(), Integer.parseInt(first.group(5)), "upstream: the origin");
            assertEquals("false", first.group(7), "the first request connects");
            assertEquals("null", first.group(11));
            Matcher second = LINE.matcher(capture.next());
            assertTrue(second.matches(), second.toString());
            assertEquals("true", second.group(7), "the second request reuses the pooled connection");
        } finally {
            access.detachAppender(capture);
        }
    }

    @Test
    void aRequestThatFailsIsLoggedWithItsStatusTriesAndError() throws Exception {
        Logger access = (Logger) LoggerFactory.getLogger("access");
        Capture capture = new Capture();
        capture.start();
        access.addAppender(capture);
        try (ExampleFixture fixture = new ExampleFixture(new AccessLogProxy(LoadBalancerTest.closedPort()),
                b -> b.accessLog(AccessLogProxy.accessLog()))) {
            assertTrue(fixture.get("site.test", "/down").startsWith("HTTP/1.1 502"));
            Matcher line = LINE.matcher(capture.next());
            assertTrue(line.matches(), line.toString());
            assertEquals("502", line.group(2));
            assertEquals("null", line.group(4), "no upstream connection was made");
            assertEquals("16", line.group(8), "a refused connect is retried, up to max_retries");
            assertEquals("\"CONNECT_REFUSED\"", line.group(11));
        } finally {
            access.detachAppender(capture);
        }
    }

    @Test
    void theAccessLoggerWritesThroughANonBlockingQueue() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        assertEquals(Status.INFO, new StatusUtil(context).getHighestLevel(0),
                "logback.xml loads without warnings or errors");
        Logger access = context.getLogger("access");
        assertTrue(!access.isAdditive(), "access lines stay out of the root's output");
        AsyncAppender queue = assertInstanceOf(AsyncAppender.class, access.getAppender("ACCESS"));
        assertTrue(queue.isNeverBlock(), "a full queue drops a line rather than block the event loop");
        assertEquals(0, queue.getDiscardingThreshold(), "INFO lines are kept until the queue is full");
        assertEquals(8192, queue.getQueueSize());
        assertNotNull(queue.getAppender("ACCESS_OUT"));
        AsyncAppender root = assertInstanceOf(AsyncAppender.class,
                context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME).getAppender("ASYNC_ERR"));
        assertTrue(root.isNeverBlock(), "the framework's own logs never block either");
    }

    @Test
    void withTheAccessSettingsAFullQueueDropsLinesInsteadOfBlockingTheCaller() throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        AsyncAppender configured = (AsyncAppender) context.getLogger("access").getAppender("ACCESS");
        CountDownLatch unstuck = new CountDownLatch(1);
        List<String> written = new CopyOnWriteArrayList<>();
        AppenderBase<ILoggingEvent> stuckWriter = new AppenderBase<>() {
            @Override
            protected void append(ILoggingEvent event) {
                try {
                    unstuck.await(); // a disk or a terminal that does not take the line
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                written.add(event.getFormattedMessage());
            }
        };
        stuckWriter.setContext(context);
        stuckWriter.start();
        AsyncAppender queue = new AsyncAppender();
        queue.setContext(context);
        queue.setQueueSize(4);
        queue.setNeverBlock(configured.isNeverBlock());
        queue.setDiscardingThreshold(configured.getDiscardingThreshold());
        queue.addAppender(stuckWriter);
        queue.start();
        Logger logger = context.getLogger("access-full-queue-test");
        logger.setAdditive(false);
        logger.addAppender(queue);
        try {
            // The caller (an event loop, in the proxy) returns although nothing can be written
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                for (int i = 0; i < 1000; i++) {
                    logger.info("line {}", i);
                }
            });
        } finally {
            unstuck.countDown();
            queue.stop(); // drains what the queue kept
            logger.detachAppender(queue);
        }
        // What survives: the lines the writer had taken (logback's worker takes a batch of up to a
        // queue's worth) and the 4 the queue held; the other 990-odd were dropped.
        assertTrue(!written.isEmpty() && written.size() <= 2 * 4 + 1,
                "a full queue dropped the rest: " + written.size() + " of 1000 written");
    }

    /** Hands each event's message to the test, on whatever thread logged it. */
    private static final class Capture extends AppenderBase<ILoggingEvent> {
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();

        @Override
        protected void append(ILoggingEvent event) {
            lines.add(event.getFormattedMessage());
        }

        String next() throws InterruptedException {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertNotNull(line, "an access line within 10 s");
            return line;
        }
    }
}
