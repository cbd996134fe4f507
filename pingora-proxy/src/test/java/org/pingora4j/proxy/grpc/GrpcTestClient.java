package org.pingora4j.proxy.grpc;

import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.pingora4j.core.testing.TestCerts;

/**
 * A real grpc-java client (grpc-netty-shaded) for {@link GrpcTestService}, over one
 * {@link ManagedChannel}: plaintext h2c with prior knowledge, or TLS trusting only the test CA.
 * Every call ends in an {@link Outcome}: the status, the response headers and trailers as received,
 * and the messages. Nothing throws on a non-OK status: tests assert on the outcome.
 */
public final class GrpcTestClient implements AutoCloseable {

    /** How long a helper waits for a call to end; a call's own deadline is {@link #deadline(Duration)}. */
    public static final Duration WAIT = Duration.ofSeconds(30);

    /**
     * How a call ended. {@code headers} is null when the response had none before the trailers
     * (grpc-java's view of a trailers-only response).
     */
    public record Outcome(Status status, Metadata headers, Metadata trailers, List<byte[]> messages) {

        public boolean ok() {
            return status.isOk();
        }

        public boolean trailersOnly() {
            return headers == null;
        }

        /** The first message as UTF-8, or null without messages. */
        public String text() {
            return messages.isEmpty() ? null : new String(messages.get(0), StandardCharsets.UTF_8);
        }
    }

    /** One open call: send, half-close, cancel, and read the answers one at a time or all at the end. */
    public static final class Call {

        private final ClientCall<byte[], byte[]> call;
        private final LinkedBlockingQueue<byte[]> inbox = new LinkedBlockingQueue<>();
        private final List<byte[]> received = Collections.synchronizedList(new ArrayList<>());
        private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        private volatile Metadata headers;

        private Call(ClientCall<byte[], byte[]> call) {
            this.call = call;
            call.start(new ClientCall.Listener<>() {
                @Override
                public void onHeaders(Metadata metadata) {
                    headers = metadata;
                }

                @Override
                public void onMessage(byte[] message) {
                    received.add(message);
                    inbox.add(message);
                    call.request(1);
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    outcome.complete(new Outcome(status, headers, trailers, List.copyOf(received)));
                }
            }, new Metadata());
            call.request(1);
        }

        public Call send(byte[] message) {
            call.sendMessage(message);
            return this;
        }

        public Call send(String message) {
            return send(message.getBytes(StandardCharsets.UTF_8));
        }

        /** Ends the request stream (END_STREAM). */
        public Call halfClose() {
            call.halfClose();
            return this;
        }

        /** Cancels the call (the transport sends RST_STREAM CANCEL). */
        public void cancel(String why) {
            call.cancel(why, null);
        }

        /** Returns the next message received, waiting up to {@code limit}; fails if none came. */
        public byte[] next(Duration limit) throws InterruptedException {
            byte[] message = inbox.poll(limit.toNanos(), TimeUnit.NANOSECONDS);
            if (message == null) {
                throw new AssertionError("no message within " + limit + (outcome.isDone() ? "; call ended: "
                        + outcome.getNow(null).status() : ""));
            }
            return message;
        }

        /** Returns the next message as UTF-8 text. */
        public String nextText(Duration limit) throws InterruptedException {
            return new String(next(limit), StandardCharsets.UTF_8);
        }

        /** Waits for the call to end, up to {@link #WAIT}. */
        public Outcome await() {
            try {
                return outcome.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                throw new AssertionError("gRPC call did not end within " + WAIT, e);
            }
        }

        /** Completes when the call ends. */
        public CompletableFuture<Outcome> outcome() {
            return outcome;
        }
    }

    private final ManagedChannel channel;
    private volatile Duration deadline;

    private GrpcTestClient(ManagedChannel channel) {
        this.channel = channel;
    }

    /** A client over plaintext HTTP/2 with prior knowledge (h2c, as gRPC does) to {@code host:port}. */
    public static GrpcTestClient plaintext(String host, int port) {
        return create(host, port, InsecureChannelCredentials.create(), null);
    }

    /** A client over TLS to {@code host:port} that trusts only the test CA; {@code authority} overrides {@code :authority} and the name checked, if not null. */
    public static GrpcTestClient tls(String host, int port, String authority) throws IOException {
        ChannelCredentials credentials = TlsChannelCredentials.newBuilder()
                .trustManager(TestCerts.file("ca.crt").toFile())
                .build();
        return create(host, port, credentials, authority);
    }

    /** A client to {@code origin} over its own protocol, with the default authority ({@code 127.0.0.1:port}). */
    public static GrpcTestClient to(GrpcOrigin origin) throws IOException {
        return origin.isTls() ? tls("127.0.0.1", origin.port(), null) : plaintext("127.0.0.1", origin.port());
    }

    private static GrpcTestClient create(String host, int port, ChannelCredentials credentials, String authority) {
        NettyChannelBuilder builder = NettyChannelBuilder.forAddress(host, port, credentials);
        if (authority != null) {
            builder.overrideAuthority(authority);
        }
        return new GrpcTestClient(builder.build());
    }

    /** Sets the deadline of the calls started from now on ({@code null}: none). */
    public GrpcTestClient deadline(Duration deadline) {
        this.deadline = deadline;
        return this;
    }

    /** Returns the channel, for calls beyond these helpers. */
    public ManagedChannel channel() {
        return channel;
    }

    /** Starts a call to {@code method}; nothing is sent until {@link Call#send}. */
    public Call open(MethodDescriptor<byte[], byte[]> method) {
        CallOptions options = CallOptions.DEFAULT;
        Duration limit = deadline;
        if (limit != null) {
            options = options.withDeadlineAfter(limit.toNanos(), TimeUnit.NANOSECONDS);
        }
        return new Call(channel.newCall(method, options));
    }

    /** {@code Unary}: the echo of {@code message}, or the status of {@code fail:<CODE>:<msg>}. */
    public Outcome unary(String message) {
        return open(GrpcTestService.UNARY).send(message).halfClose().await();
    }

    /** {@code ServerStream}: {@code count} messages of {@code size} bytes. */
    public Outcome serverStream(int count, int size) {
        return open(GrpcTestService.SERVER_STREAM).send("n:" + count + ":" + size).halfClose().await();
    }

    /** {@code ClientStream}: sends {@code messages}; the answer is {@link GrpcTestService#summary}. */
    public Outcome clientStream(List<byte[]> messages) {
        Call call = open(GrpcTestService.CLIENT_STREAM);
        messages.forEach(call::send);
        return call.halfClose().await();
    }

    /** {@code Bidi}: sends each message only after the echo of the previous one arrived (a ping-pong). */
    public Outcome bidi(List<String> messages) throws InterruptedException {
        Call call = open(GrpcTestService.BIDI);
        for (String message : messages) {
            call.send(message);
            String echo = call.nextText(WAIT);
            if (!echo.equals(message)) {
                throw new AssertionError("bidi echo " + echo + " for " + message);
            }
        }
        return call.halfClose().await();
    }

    /** {@code Slow}: answered after {@code delay}; with a shorter {@link #deadline}, DEADLINE_EXCEEDED. */
    public Outcome slow(Duration delay) {
        return open(GrpcTestService.SLOW).send(Long.toString(delay.toMillis())).halfClose().await();
    }

    /** Shuts the channel down at once and waits until it terminated. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            if (!channel.awaitTermination(10, TimeUnit.SECONDS)) {
                throw new AssertionError("gRPC channel did not terminate");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
