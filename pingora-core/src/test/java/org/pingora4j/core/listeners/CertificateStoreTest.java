package org.pingora4j.core.listeners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pingora4j.core.error.PingoraException;
import org.pingora4j.core.testing.TestCerts;

/**
 * The store's choices without a network: which context each name gets, the handler a connection
 * starts with, and the file check that the periodic reload runs (the listener tests in
 * pingora-proxy drive the same through real handshakes).
 */
final class CertificateStoreTest {

    @TempDir
    Path dir;

    private Path copy(String name) throws Exception {
        Path target = dir.resolve(name);
        Files.copy(TestCerts.file(name), target, StandardCopyOption.REPLACE_EXISTING);
        return target;
    }

    private CertificateStore store(TlsSettings.Builder settings) {
        return CertificateStore.load(settings.build(), List.of());
    }

    @Test
    void namesChooseExactThenOneLabelWildcardThenTheDefault() throws Exception {
        CertificateStore store = store(TlsSettings.builder()
                .certificate(copy("wrong-host.crt").toString(), copy("wrong-host.key").toString())
                .certificate(copy("server.crt").toString(), copy("server.key").toString()));
        SslContext fallback = store.select(null);
        SslContext server = store.select("api.example.com");
        assertNotSame(fallback, server);
        assertSame(server, store.select("API.Example.COM"), "names are case-insensitive");
        assertSame(server, store.select("x.static.example.com"));
        assertSame(fallback, store.select("x.y.static.example.com"));
        assertSame(fallback, store.select("static.example.com"), "a wildcard does not cover its parent");
        assertSame(fallback, store.select("wrong.example.com"), "the default's own name");
    }

    @Test
    void oneCertificateStartsConnectionsWithItsTlsHandlerSeveralWithTheSniStep() throws Exception {
        Object one = store(TlsSettings.builder().certificate(copy("server.crt").toString(), copy("server.key").toString()))
                .newHandler(ByteBufAllocator.DEFAULT);
        try {
            assertInstanceOf(SslHandler.class, one);
        } finally {
            ReferenceCountUtil.release(((SslHandler) one).engine());
        }
        Object two = store(TlsSettings.builder()
                .certificate(copy("server.crt").toString(), copy("server.key").toString())
                .certificate(copy("wrong-host.crt").toString(), copy("wrong-host.key").toString()))
                .newHandler(ByteBufAllocator.DEFAULT);
        assertInstanceOf(SniSelector.class, two);
    }

    @Test
    void theFileCheckReloadsOnlyWhenAFileChanged() throws Exception {
        Path crt = copy("server.crt");
        Path key = copy("server.key");
        CertificateStore store = store(TlsSettings.builder().certificate(crt.toString(), key.toString()));
        assertNull(store.reloadIfChanged(), "nothing changed");
        SslContext before = store.select("api.example.com");
        Files.copy(TestCerts.file("other-ca-server.crt"), crt, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(TestCerts.file("other-ca-server.key"), key, StandardCopyOption.REPLACE_EXISTING);
        Files.setLastModifiedTime(crt, FileTime.from(Instant.now().plusSeconds(10)));
        String line = store.reloadIfChanged();
        assertTrue(line != null && line.startsWith("reloaded 1 certificate(s)"), line);
        assertNotSame(before, store.select("api.example.com"));
        assertNull(store.reloadIfChanged(), "read once per change");
    }

    @Test
    void aRefusedChangeIsNotRetriedUntilTheFilesChangeAgain() throws Exception {
        Path crt = copy("server.crt");
        Path key = copy("server.key");
        CertificateStore store = store(TlsSettings.builder().certificate(crt.toString(), key.toString()));
        SslContext serving = store.select(null);
        Files.writeString(key, "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");
        String line = store.reloadIfChanged();
        assertTrue(line.startsWith("kept the certificates in use"), line);
        assertSame(serving, store.select(null));
        assertNull(store.reloadIfChanged(), "the same bad files are not read again every check");
    }

    @Test
    void settingsAreValidated() {
        assertThrows(IllegalStateException.class, () -> TlsSettings.builder().build());
        assertThrows(IllegalArgumentException.class, () -> TlsSettings.builder().protocols("TLSv1.1"));
        assertThrows(IllegalArgumentException.class, () -> TlsSettings.builder().clientAuth(TlsSettings.ClientAuth.REQUIRE, null));
        assertThrows(IllegalArgumentException.class, () -> TlsSettings.builder().reloadCheckInterval(java.time.Duration.ofSeconds(-1)));
        PingoraException missing = assertThrows(PingoraException.class,
                () -> store(TlsSettings.builder().certificate(dir.resolve("none.crt").toString(), dir.resolve("none.key").toString())));
        assertTrue(missing.getMessage().contains("none.crt") && missing.getMessage().contains("cannot read"), missing.getMessage());
        assertEquals(List.of("TLSv1.3", "TLSv1.2"), TlsSettings.builder().certificate("a", "b").build().protocols());
    }
}
