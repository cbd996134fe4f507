package org.pingora4j.proxy;

import io.netty.util.ReferenceCountUtil;
import org.pingora4j.core.connectors.http.v1.Http1ClientSession;
import org.pingora4j.core.connectors.http.v1.SwitchedConnection;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.error.RetryType;
import org.pingora4j.core.protocols.http.ResponseHeader;

/**
 * The moment an exchange becomes a tunnel: the origin answered {@code 101} to an upgrade request
 * and the response filters ran. In order: the upstream connection leaves HTTP (its session hands
 * over the channel and the bytes that came with the 101), the 101 goes to the client, the client
 * connection leaves HTTP (its decoder hands over what the client sent after the upgrade request),
 * and the {@link Tunnel} joins the two. The request then lasts until the tunnel ends
 * ({@link ProxyRequest#tunnelEnded}). On the request's event loop.
 */
final class Switchover {

    private Switchover() {
    }

    static void run(ProxyRequest<?> request, int id, ResponseHeader header, String protocol) {
        request.phase("proxy");
        if (header.unwrap().status().code() != 101) {
            request.proxyError(id, PingoraException.internal(ErrorType.INTERNAL_ERROR,
                    "a response filter changed the status of a 101, which cannot be answered otherwise", null));
            return;
        }
        if (!(request.upstreamSession() instanceof Http1ClientSession session)) {
            request.proxyError(id, PingoraException.upstream(ErrorType.H1_ERROR, RetryType.NO,
                    "101 from an upstream that is not HTTP/1.1 (" + request.peer() + ")", null));
            return;
        }
        request.requestLoop().then(session.switchProtocols(), (switched, error) -> {
            if (request.stale(id) || error != null) {
                discard(switched);
                if (!request.stale(id)) {
                    request.proxyError(id, PingoraException.upstream(ErrorType.H1_ERROR, RetryType.NO,
                            "switching protocols failed (" + request.peer() + ")", error));
                }
                return;
            }
            join(request, header, protocol, switched);
        });
    }

    private static void join(ProxyRequest<?> request, ResponseHeader header, String protocol, SwitchedConnection switched) {
        ProxyService<?> service = request.service();
        request.forgoContinue();
        request.response().writeSwitchingProtocols(header.unwrap(), protocol, service.serverOptions().via());
        request.session().setResponseHeader(header);
        Tunnel joined = new Tunnel(request.downstream().channel(), switched.channel(), service.ticker(),
                service.serverOptions(), request::tunnelEnded);
        if (!((DownstreamConnection<?>) request.downstream()).startTunnel(joined)) {
            discard(switched);
            request.downstream().close();
            request.finish(PingoraException.downstream(ErrorType.H1_ERROR,
                    "the client connection could not become a tunnel (closed, or it sent requests after the upgrade)", null));
            return;
        }
        request.tunnelStarted(joined);
        joined.start(switched.earlyBytes());
    }

    private static void discard(SwitchedConnection switched) {
        if (switched != null) {
            switched.earlyBytes().forEach(ReferenceCountUtil::release);
            switched.channel().close();
        }
    }
}
