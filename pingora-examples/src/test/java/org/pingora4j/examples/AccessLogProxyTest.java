package org.pingora4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.AsyncAppender;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.BlockingQueue;
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
