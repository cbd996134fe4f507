package org.pingora4j.proxy.grpc;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The gRPC service {@code test.Echo}, built by hand (no protobuf: every message is raw bytes,
 * UTF-8 text where it is a command). Methods:
 * <ul>
 *   <li>{@code Unary}: echoes the request; {@code fail:<CODE>:<msg>} answers that status instead,
 *       trailers-only (no headers, no message; CODE is a name like {@code NOT_FOUND} or a number)</li>
 *   <li>{@code ServerStream}: {@code n:<count>:<size>} answers {@code count} messages of {@code size}
 *       bytes, {@link #streamMessage}, sent as flow control allows</li>
 *   <li>{@code ClientStream}: answers {@link #summary} of all it received</li>
 *   <li>{@code Bidi}: echoes each message as it arrives; {@code fail:<CODE>:<msg>} ends the call with that status</li>
 *   <li>{@code Slow}: request {@code <millis>}, answered with itself after that delay (a scheduled task)</li>
 * </ul>
 * Every call's cancellation (client cancel, RST_STREAM, deadline) is recorded: {@link #cancelled()}.
 */
public final class GrpcTestService implements AutoCloseable {

    /** The service name. */
    public static final String SERVICE = "test.Echo";

    /** Marshals {@code byte[]} messages as they are. */
    public static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    };

    public static final MethodDescriptor<byte[], byte[]> UNARY = method("Unary", MethodDescriptor.MethodType.UNARY);
    public static final MethodDescriptor<byte[], byte[]> SERVER_STREAM =
            method("ServerStream", MethodDescriptor.MethodType.SERVER_STREAMING);
    public static final MethodDescriptor<byte[], byte[]> CLIENT_STREAM =
            method("ClientStream", MethodDescriptor.MethodType.CLIENT_STREAMING);
    public static final MethodDescriptor<byte[], byte[]> BIDI = method("Bidi", MethodDescriptor.MethodType.BIDI_STREAMING);
    public static final MethodDescriptor<byte[], byte[]> SLOW = method("Slow", MethodDescriptor.MethodType.UNARY);

    /**
     * What the server saw of one call: its full method name, {@code :authority} and request headers
     * (grpc-java leaves out the ones it consumes itself: {@code te}, {@code content-type},
     * {@code grpc-timeout}, {@code grpc-encoding} and the like).
     */
    public record CallInfo(String method, String authority, Metadata headers) {
    }

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "grpc-test-slow");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger cancellations = new AtomicInteger();
    private final AtomicReference<CompletableFuture<String>> cancelled = new AtomicReference<>(new CompletableFuture<>());
    private final AtomicReference<CallInfo> lastCall = new AtomicReference<>();

    private static MethodDescriptor<byte[], byte[]> method(String name, MethodDescriptor.MethodType type) {
        return MethodDescriptor.<byte[], byte[]>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
                .setRequestMarshaller(BYTES)
                .setResponseMarshaller(BYTES)
                .build();
    }

    /** Returns the service definition to add to a server, with the interceptor that records {@link #lastCall()}. */
    public ServerServiceDefinition definition() {
        ServerServiceDefinition service = ServerServiceDefinition.builder(SERVICE)
                .addMethod(UNARY, ServerCalls.asyncUnaryCall(this::unary))
                .addMethod(SERVER_STREAM, ServerCalls.asyncServerStreamingCall(this::serverStream))
                .addMethod(CLIENT_STREAM, ServerCalls.asyncClientStreamingCall(this::clientStream))
                .addMethod(BIDI, ServerCalls.asyncBidiStreamingCall(this::bidi))
                .addMethod(SLOW, ServerCalls.asyncUnaryCall(this::slow))
                .build();
        return ServerInterceptors.intercept(service, new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                lastCall.set(new CallInfo(call.getMethodDescriptor().getFullMethodName(), call.getAuthority(), headers));
                return next.startCall(call, headers);
            }
        });
    }

    /** Completes with the full method name of the first call observed cancelled since the last {@link #resetCancelled()}. */
    public CompletableFuture<String> cancelled() {
        return cancelled.get();
    }

    /** Starts watching afresh for a cancellation and returns the future {@link #cancelled()} now returns. */
    public CompletableFuture<String> resetCancelled() {
        CompletableFuture<String> fresh = new CompletableFuture<>();
        cancelled.set(fresh);
        return fresh;
    }

    /** Returns how many calls the server observed cancelled in all. */
    public int cancellations() {
        return cancellations.get();
    }

    /** Returns what the server saw of the latest call to arrive, or null before any. */
    public CallInfo lastCall() {
        return lastCall.get();
    }

    /** The {@code index}-th message of a {@code ServerStream} answer: {@code size} times one letter. */
    public static byte[] streamMessage(int index, int size) {
        byte[] message = new byte[size];
        Arrays.fill(message, (byte) ('a' + index % 26));
        return message;
    }

    /** The {@code ClientStream} answer for {@code messages}: {@code <count>:<bytes>:<sha-256 hex>}. */
    public static String summary(List<byte[]> messages) {
        MessageDigest digest = sha256();
        long bytes = 0;
        for (byte[] message : messages) {
            digest.update(message);
            bytes += message.length;
        }
        return messages.size() + ":" + bytes + ":" + HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** {@code fail:<CODE>:<msg>} as a status, or null for any other message. */
    private static Status failure(byte[] message) {
        String text = text(message);
        if (!text.startsWith("fail:")) {
            return null;
        }
        String[] parts = text.split(":", 3);
        String code = parts[1];
        Status status = code.chars().allMatch(Character::isDigit)
                ? Status.fromCodeValue(Integer.parseInt(code))
                : Status.fromCode(Status.Code.valueOf(code));
        return status.withDescription(parts.length > 2 ? parts[2] : null);
    }

    private void watch(StreamObserver<byte[]> out, String method) {
        ((ServerCallStreamObserver<byte[]>) out).setOnCancelHandler(() -> {
            cancellations.incrementAndGet();
            cancelled.get().complete(MethodDescriptor.generateFullMethodName(SERVICE, method));
        });
    }

    private void unary(byte[] request, StreamObserver<byte[]> out) {
        watch(out, "Unary");
        Status failure = failure(request);
        if (failure != null) {
            // Before any onNext: grpc-java sends no headers, only the trailers (trailers-only).
            out.onError(failure.asRuntimeException());
            return;
        }
        out.onNext(request);
        out.onCompleted();
    }

    private void serverStream(byte[] request, StreamObserver<byte[]> out) {
        ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) out;
        watch(out, "ServerStream");
        String[] parts = text(request).split(":");
        if (parts.length != 3 || !parts[0].equals("n")) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("expected n:<count>:<size>").asRuntimeException());
            return;
        }
        int count = Integer.parseInt(parts[1]);
        int size = Integer.parseInt(parts[2]);
        int[] sent = {0};
        boolean[] done = {false};
        // Handler and onReady run one at a time (grpc-java serialises a call's callbacks).
        Runnable drain = () -> {
            while (!done[0] && call.isReady() && !call.isCancelled() && sent[0] < count) {
                call.onNext(streamMessage(sent[0]++, size));
            }
            if (!done[0] && sent[0] == count && !call.isCancelled()) {
                done[0] = true;
                call.onCompleted();
            }
        };
        call.setOnReadyHandler(drain);
        drain.run();
    }

    private StreamObserver<byte[]> clientStream(StreamObserver<byte[]> out) {
        watch(out, "ClientStream");
        return new StreamObserver<>() {
            private final MessageDigest digest = sha256();
            private int count;
            private long bytes;

            @Override
            public void onNext(byte[] message) {
                digest.update(message);
                count++;
                bytes += message.length;
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                String answer = count + ":" + bytes + ":" + HexFormat.of().formatHex(digest.digest());
                out.onNext(answer.getBytes(StandardCharsets.UTF_8));
                out.onCompleted();
            }
        };
    }

    private StreamObserver<byte[]> bidi(StreamObserver<byte[]> out) {
        watch(out, "Bidi");
        return new StreamObserver<>() {
            private boolean failed;

            @Override
            public void onNext(byte[] message) {
                if (failed) {
                    return;
                }
                Status failure = failure(message);
                if (failure != null) {
                    failed = true;
                    out.onError(failure.asRuntimeException());
                } else {
                    out.onNext(message);
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                if (!failed) {
                    out.onCompleted();
                }
            }
        };
    }

    private void slow(byte[] request, StreamObserver<byte[]> out) {
        ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) out;
        long millis = Long.parseLong(text(request).trim());
        AtomicReference<ScheduledFuture<?>> answer = new AtomicReference<>();
        call.setOnCancelHandler(() -> {
            ScheduledFuture<?> pending = answer.get();
            if (pending != null) {
                pending.cancel(false);
            }
            cancellations.incrementAndGet();
            cancelled.get().complete(SLOW.getFullMethodName());
        });
        // A failure in the task is a call cancelled meanwhile; the ScheduledFuture swallows it.
        answer.set(timer.schedule(() -> {
            if (!call.isCancelled()) {
                call.onNext(request);
                call.onCompleted();
            }
        }, millis, TimeUnit.MILLISECONDS));
    }

    /** Stops the timer of {@code Slow}. */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}
