package org.pingora4j.core.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.services.Service;
import org.pingora4j.core.services.ServiceContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a server's services in order, undoing the start if one fails. Mirrors the loop of
 * pingora's {@code Server::run} that hands each service to its runtime; pingora has no undo, since
 * a service that fails there panics the process.
 */
final class StartSequence {

    private static final Logger log = LoggerFactory.getLogger(Server.class);

    private StartSequence() {
    }

    /**
     * Starts {@code services} in order with {@code context}. If one fails, shuts down the ones
     * started and the failed one (which may have started in part, e.g. bound one of two listeners),
     * stops the event loops, and rethrows: unchecked as is, checked wrapped in
     * {@code INTERNAL_ERROR}.
     */
    static void run(List<Service> services, ServiceContext context) {
        List<Service> started = new ArrayList<>();
        for (Service service : services) {
            try {
                service.start(context);
                started.add(service);
            } catch (Exception | Error e) {
                // Reported once, by whoever catches what is rethrown (runForever logs it; a program
                // calling start() prints it): logging it here too doubled every bind failure's trace.
                log.debug("service {} failed to start; stopping the {} started before it",
                        service.name(), started.size(), e);
                started.add(service);
                new ShutdownSequence(started, context.eventLoops(), context.conf(), new CompletableFuture<>())
                        .run(ShutdownMode.FAST);
                if (e instanceof RuntimeException unchecked) {
                    throw unchecked;
                }
                if (e instanceof Error error) {
                    throw error;
                }
                throw PingoraException.internal(ErrorType.INTERNAL_ERROR,
                        "service " + service.name() + " failed to start", e);
            }
        }
    }
}
