package org.pingora4j.core.connectors;

/** Names of the handlers pingora4j puts in an upstream channel's pipeline, in pipeline order. */
public final class HandlerNames {

    /** Netty's {@code SslHandler}. */
    public static final String TLS = "pingora-tls";
    /** Absorbs exceptions while connecting, which the connect's futures already report. */
    public static final String CONNECTING = "pingora-connecting";
    /** Watches the raw bytes while the connection idles in the pool. */
    public static final String IDLE_WATCH = "pingora-idle-watch";
    /** The HTTP/1.x response decoder. */
    public static final String HTTP_CODEC = "pingora-http-codec";
    /** Netty's HTTP/1.x request encoder. */
    public static final String HTTP_ENCODER = "pingora-http-encoder";
    /** Hands decoded response parts to the current request. */
    public static final String HTTP_SESSION = "pingora-http-session";

    private HandlerNames() {
    }
}
