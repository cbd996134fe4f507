package org.pingora4j.core.connectors.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pingora4j.core.connectors.ConnectorOptions;
import org.pingora4j.core.error.ErrorType;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.testing.LeakCheckExtension;
import org.pingora4j.core.testing.TestCerts;
import org.pingora4j.core.testing.TestOrigin;
import org.pingora4j.core.upstreams.CaCertificates;
import org.pingora4j.core.upstreams.HttpPeer;

/** The connector's and its pool's Micrometer meters follow what the connector did. */
@ExtendWith(LeakCheckExtension.class)
final class HttpConnectorMetricsTest {

    private final ConnectorFixture fixture = new ConnectorFixture();
    private final MeterRegistry registry = new SimpleMeterRegistry();
    private final HttpConnector connector = HttpConnector.builder(new ConnectorOptions(128))
            .metrics(registry, Tags.of("service", "test"))
            .build();

    @AfterEach
    void tearDown() {
        connector.close();
        fixture.close();
    }

    @Test
    void reusedAndNewConnectionsMoveThePoolAndConnectorMeters() throws Exception {
        try (TestOrigin origin = TestOrigin.plain()) {
            HttpPeer peer = new HttpPeer(origin.address(), false, "");
            fixture.exchange(connector, peer);
            fixture.exchange(connector, peer);
            fixture.exchange(connector, peer);

            assertEquals(1, counter("pingora.pool.misses"));
            assertEquals(2, counter("pingora.pool.hits"));
            assertEquals(3, counter("pingora.pool.puts"));
            assertEquals(1, gauge("pingora.pool.idle"));
            assertEquals(2.0 / 3, gauge("pingora.pool.reuse.ratio"), 1e-9);
            assertEquals(1, counter("pingora.connector.connections.opened"));
            assertEquals(3, counter("pingora.connector.sessions"));
            assertEquals(1, registry.get("pingora.connector.connect.time").timer().count());
            assertEquals(0, registry.get("pingora.connector.tls.handshake.time").timer().count());
            assertEquals(0, counter("pingora.pool.evictions") + counter("pingora.pool.expirations")
                    + counter("pingora.pool.removals"));
            assertEquals("test", registry.get("pingora.pool.hits").functionCounter().getId().getTag("service"));
        }
    }

    @Test
    void aTlsConnectTimesItsHandshake() throws Exception {
        try (TestOrigin origin = TestOrigin.tls("server")) {
            HttpPeer peer = new HttpPeer(origin.address(), true, "localhost")
                    .withOptions(o -> o.ca(CaCertificates.fromPemFile(TestCerts.file("ca.crt"))));
            fixture.exchange(connector, peer);

            assertEquals(1, registry.get("pingora.connector.tls.handshake.time").timer().count());
            assertEquals(1, registry.get("pingora.connector.connect.time").timer().count());
        }
    }

    @Test
    void aRefusedConnectIsCountedByItsErrorType() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        HttpPeer peer = new HttpPeer("127.0.0.1:" + closedPort, false, "")
                .withOptions(o -> o.connectionTimeout(Duration.ofSeconds(5)));

        PingoraException e = assertThrows(PingoraException.class,
                () -> ConnectorFixture.await(connector.getHttpSession(peer, fixture.loop())));
        assertEquals(ErrorType.CONNECT_REFUSED, e.type());
        assertEquals(1, failures(ErrorType.CONNECT_REFUSED));
        assertNull(registry.find("pingora.connector.connect.failures").tag("error", "CONNECT_TIMEDOUT").counter(),
                "no series for a failure that never happened");
        assertEquals(0, counter("pingora.connector.connections.opened"));
    }

    @Test
    void withoutARegistryTheConnectorRecordsNothing() {
        try (HttpConnector plain = new HttpConnector(new ConnectorOptions(8))) {
            assertSame(ConnectorMeters.NONE, plain.meters());
        }
        assertInstanceOf(MicrometerConnectorMeters.class, connector.meters());
    }

    @Test
    void aMissingRegistryOrTagsIsRefusedByName() {
        HttpConnector.Builder builder = HttpConnector.builder(new ConnectorOptions(8));
        assertEquals("registry", assertThrows(NullPointerException.class, () -> builder.metrics(null, Tags.empty())).getMessage());
        assertEquals("tags", assertThrows(NullPointerException.class, () -> builder.metrics(registry, null)).getMessage());
    }

    private double counter(String name) {
        return registry.get(name).functionCounter().count();
    }

    private double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    private double failures(ErrorType type) {
        return registry.get("pingora.connector.connect.failures").tag("error", type.name()).counter().count();
    }
}
