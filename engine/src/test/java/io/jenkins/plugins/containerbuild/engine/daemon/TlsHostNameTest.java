package io.jenkins.plugins.containerbuild.engine.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "TLS with verification off still checks the daemon's host name against its certificate" (README, docs/security.md).
 * A small TLS server that answers {@code /_ping} as a daemon does, once with a certificate made for {@code localhost}
 * (the control: verification off connects) and once with one made for another name: then neither the engine's HTTP
 * client nor its raw socket (the one BuildKit sessions use) gets through, and no request reaches the server.
 */
@Timeout(120)
class TlsHostNameTest {

    @TempDir
    Path dir;

    private final TlsMaterial clientOnly = unverified(Lab.get().clientTls());

    private static TlsMaterial unverified(TlsMaterial t) {
        return new TlsMaterial(t.caPem(), t.certPem(), t.keyPem(), false);
    }

    @Test
    void aCertificateForTheRightNameConnectsWithVerificationOff() throws Exception {
        try (TlsPingServer server = pingServer(keyStore("localhost", "dns:localhost,ip:127.0.0.1"))) {
            DaemonEndpoint.Tcp endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://localhost:" + server.port()),
                    clientOnly, false);
            try (DaemonConnection c = DaemonConnection.open(endpoint, Timeouts.defaults())) {
                assertThat(c.apiVersion().toString()).isEqualTo("1.41");
            }
            try (RawDaemonSocket raw = RawDaemonSocket.connect(endpoint, new PemSslConfig(clientOnly).getSSLContext(),
                    Duration.ofSeconds(10), Duration.ofSeconds(10))) {
                assertThat(raw.in()).isNotNull();
            }
            assertThat(server.requests).contains("GET /_ping");
        }
    }

    @Test
    void aCertificateForAnotherNameIsRefusedWithVerificationOff() throws Exception {
        try (TlsPingServer server = pingServer(keyStore("other.example", "dns:other.example"))) {
            for (String host : List.of("localhost", "127.0.0.1")) {
                DaemonEndpoint.Tcp endpoint = new DaemonEndpoint.Tcp(URI.create("tcp://" + host + ":" + server.port()),
                        clientOnly, false);
                Throwable http = catchThrowable(() -> DaemonConnection.open(endpoint, Timeouts.defaults()).close());
                assertThat(http).as("the HTTP client to %s", host).isInstanceOf(ContainerEngineException.class);
                Throwable raw = catchThrowable(() -> RawDaemonSocket.connect(endpoint,
                        new PemSslConfig(clientOnly).getSSLContext(), Duration.ofSeconds(10), Duration.ofSeconds(10))
                        .close());
                assertThat(raw).as("the raw socket to %s", host).isInstanceOf(SSLException.class);
            }
            assertThat(server.handshakes).as("the server did see the attempts").isPositive();
            assertThat(server.requests).as("nothing was sent over a connection to the wrong name").isEmpty();
        }
    }

    /** A PKCS12 key store with a self-signed server certificate for {@code cn} with these subject names. */
    private Path keyStore(String cn, String san) throws Exception {
        Path ks = dir.resolve(cn + ".p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-keystore", ks.toString(), "-storetype", "PKCS12", "-storepass", "changeit",
                "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=" + cn, "-ext", "SAN=" + san)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(ks).isRegularFile();
        return ks;
    }

    /** The server of a key store file (password {@code changeit}). */
    private static TlsPingServer pingServer(Path keyStore) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, "changeit".toCharArray());
        }
        return new TlsPingServer(ks, "changeit".toCharArray());
    }
}
