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
            "GET /a\\?b=1 (\\d+) client=127\\.0\\.0\\.1:(\\d+) peer=127\\.0\\.0\\.1:(\\d+) reused=(true|false)"
                    + " duration_ms=(\\d+) error=(\\S+)");

    @Test
    void theLoggingPhaseLogsMethodPathStatusPeerReusedAndDuration() throws Exception {
        Logger access = (Logger) LoggerFactory.getLogger("access");
        Capture capture = new Capture();
        capture.start();
        access.addAppender(capture);
        try (TestOrigin origin = TestOrigin.plain();
             ExampleFixture fixture = new ExampleFixture(new AccessLogProxy(origin.address()))) {
            origin.responder(ex -> ex.reply(HttpResponseStatus.CREATED, "made"));
            fixture.get("site.test", "/a?b=1");
            fixture.get("site.test", "/a?b=1");

            Matcher first = LINE.matcher(capture.next());
            assertTrue(first.matches(), first.toString());
            assertEquals("201", first.group(1));
            assertEquals(origin.port(), Integer.parseInt(first.group(3)), "peer: the origin");
            assertEquals("false", first.group(4), "the first request connects");
            assertEquals("-", first.group(6));
            Matcher second = LINE.matcher(capture.next());
            assertTrue(second.matches(), second.toString());
            assertEquals("true", second.group(4), "the second request reuses the pooled connection");
        } finally {
            access.detachAppender(capture);
        }
    }

    @Test
    void aRequestThatFailsIsLoggedWithItsErrorStatus() throws Exception {
        Logger access = (Logger) LoggerFactory.getLogger("access");
        Capture capture = new Capture();
        capture.start();
        access.addAppender(capture);
        try (ExampleFixture fixture = new ExampleFixture(new AccessLogProxy(LoadBalancerTest.closedPort()))) {
            assertTrue(fixture.get("site.test", "/down").startsWith("HTTP/1.1 502"));
            String line = capture.next();
            assertTrue(line.matches("GET /down 502 client=127\\.0\\.0\\.1:\\d+ peer=- reused=false"
                    + " duration_ms=\\d+ error=CONNECT_REFUSED"), line);
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
