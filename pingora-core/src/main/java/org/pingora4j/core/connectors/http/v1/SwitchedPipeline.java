package org.pingora4j.core.connectors.http.v1;

import io.netty.channel.ChannelPipeline;
import org.pingora4j.core.connectors.HandlerNames;

/** Takes the HTTP/1.1 handlers off an upstream pipeline whose connection switched protocols. */
final class SwitchedPipeline {

    /*
     * The decoder goes before the bridge: removing it hands what it still held to the next inbound
     * handler, the bridge, which keeps it for the switch. The watcher and the encoder hold nothing.
     */
    private static final String[] HTTP_HANDLERS = {
        HandlerNames.IDLE_WATCH, HandlerNames.HTTP_CODEC, HandlerNames.HTTP_ENCODER, HandlerNames.HTTP_SESSION
    };

    private SwitchedPipeline() {
    }

    /** Removes every HTTP handler present. On the channel's event loop. */
    static void strip(ChannelPipeline pipeline) {
        for (String name : HTTP_HANDLERS) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
    }
}
