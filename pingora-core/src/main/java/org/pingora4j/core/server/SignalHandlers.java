package org.pingora4j.core.server;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes process signals to the server while it runs, and puts the previous handlers back when it
 * stops. Mirrors pingora's {@code UnixShutdownSignalWatch}.
 *
 * <p>It goes through {@code sun.misc.Signal} by reflection: the class is the JDK's only way to catch
 * SIGTERM without exiting, but naming it in source makes javac warn about proprietary API, and the
 * build treats warnings as errors. The JVM refuses some signals (SIGQUIT is its thread-dump signal;
 * {@code -Xrs} reserves the others); when SIGTERM or SIGINT cannot be caught, a JVM shutdown hook
 * stands in so that the server still drains before the process ends.
 */
final class SignalHandlers implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(SignalHandlers.class);

    private final List<Runnable> restorers = new ArrayList<>();
    private Thread fallbackHook;

    private SignalHandlers() {
    }

    /**
     * Installs {@code onSignal} (called with the name, e.g. {@code TERM}) for each of {@code names};
     * installs {@code fallback} as a shutdown hook if SIGTERM or SIGINT could not be caught.
     */
    static SignalHandlers install(Consumer<String> onSignal, Runnable fallback, String... names) {
        SignalHandlers handlers = new SignalHandlers();
        List<String> missing = new ArrayList<>();
        Reflected api = Reflected.load();
        for (String name : names) {
            if (api == null || !handlers.tryInstall(api, name, onSignal)) {
                missing.add(name);
            }
        }
        if (missing.contains("TERM") || missing.contains("INT")) {
            handlers.fallbackHook = new Thread(fallback, "pingora4j-shutdown-hook");
            Runtime.getRuntime().addShutdownHook(handlers.fallbackHook);
            log.info("cannot catch SIG{}; a JVM shutdown hook will shut the server down gracefully instead",
                    String.join("/SIG", missing));
        }
        return handlers;
    }

    private boolean tryInstall(Reflected api, String name, Consumer<String> onSignal) {
        try {
            Object signal = api.constructor.newInstance(name);
            Object handler = Proxy.newProxyInstance(SignalHandlers.class.getClassLoader(),
                    new Class<?>[] {api.handlerType}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "handle" -> onSignal.accept(name);
                            case "equals" -> {
                                return proxy == args[0];
                            }
                            case "hashCode" -> {
                                return System.identityHashCode(proxy);
                            }
                            case "toString" -> {
                                return "pingora4j handler for SIG" + name;
                            }
                            default -> {
                                // SignalHandler has no other method.
                            }
                        }
                        return null;
                    });
            Object previous = api.handle.invoke(null, signal, handler);
            restorers.add(() -> restore(api, signal, previous, name));
            log.debug("handling SIG{}", name);
            return true;
        } catch (InvocationTargetException e) {
            // The JVM refuses signals it uses itself: "Signal already used by VM or OS".
            log.debug("cannot handle SIG{}: {}", name, e.getCause().getMessage());
            return false;
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("cannot handle SIG{}: {}", name, e.toString());
            return false;
        }
    }

    private static void restore(Reflected api, Object signal, Object previous, String name) {
        try {
            api.handle.invoke(null, signal, previous);
        } catch (ReflectiveOperationException | RuntimeException e) {
            log.debug("cannot restore the previous handler of SIG{}: {}", name, e.toString());
        }
    }

    /** Puts the previous handlers back and removes the fallback hook, if any. */
    @Override
    public void close() {
        restorers.forEach(Runnable::run);
        restorers.clear();
        if (fallbackHook != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(fallbackHook);
            } catch (IllegalStateException e) {
                // The JVM is already shutting down: the hook is running or has run; nothing to undo.
            }
            fallbackHook = null;
        }
    }

    /** The reflected parts of {@code sun.misc.Signal}. */
    private record Reflected(Constructor<?> constructor, Class<?> handlerType, Method handle) {

        /** Returns the API, or null on a JVM without {@code jdk.unsupported}. */
        static Reflected load() {
            try {
                Class<?> signalType = Class.forName("sun.misc.Signal");
                Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
                return new Reflected(signalType.getConstructor(String.class), handlerType,
                        signalType.getMethod("handle", signalType, handlerType));
            } catch (ReflectiveOperationException | LinkageError e) {
                log.debug("sun.misc.Signal is not available: {}", e.toString());
                return null;
            }
        }
    }
}
