package io.jenkins.plugins.containerbuild.engine.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Daemon addresses are read as the docker CLI reads them, from an environment passed in. */
class DaemonEndpointTest {

    @Test
    void noDockerHostMeansTheDefaultSocket() throws Exception {
        assertThat(DaemonEndpoint.fromEnvironment(Map.of())).isEqualTo(new DaemonEndpoint.UnixSocket(Path.of("/var/run/docker.sock")));
    }

    @Test
    void dockerHostUnixSocket() throws Exception {
        assertThat(DaemonEndpoint.fromEnvironment(Map.of("DOCKER_HOST", "unix:///run/user/1000/docker.sock")))
                .isEqualTo(new DaemonEndpoint.UnixSocket(Path.of("/run/user/1000/docker.sock")));
    }

    @Test
    void dockerHostTcpWithTlsVerifyReadsTheCertPath(@TempDir Path certs) throws Exception {
        Files.writeString(certs.resolve("ca.pem"), "CA");
        Files.writeString(certs.resolve("cert.pem"), "CERT");
        Files.writeString(certs.resolve("key.pem"), "KEY");
        DaemonEndpoint e = DaemonEndpoint.fromEnvironment(Map.of("DOCKER_HOST", "tcp://build-host:2376",
                "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs.toString()));
        assertThat(e).isInstanceOfSatisfying(DaemonEndpoint.Tcp.class, t -> {
            assertThat(t.uri().getHost()).isEqualTo("build-host");
            assertThat(t.tls().verify()).isTrue();
            assertThat(t.tls().caPem()).isEqualTo("CA");
            assertThat(t.tls().keyPem()).isEqualTo("KEY");
            assertThat(t.toString()).doesNotContain("KEY");
        });
    }

    @Test
    void plainTcpOnlyToLoopback() throws Exception {
        assertThat(DaemonEndpoint.fromEnvironment(Map.of("DOCKER_HOST", "tcp://127.0.0.1:2375")))
                .isInstanceOf(DaemonEndpoint.Tcp.class);
        assertThat(DaemonEndpoint.fromEnvironment(Map.of("DOCKER_HOST", "tcp://localhost:2375")))
                .isInstanceOf(DaemonEndpoint.Tcp.class);
        assertThatThrownBy(() -> DaemonEndpoint.fromEnvironment(Map.of("DOCKER_HOST", "tcp://build-host:2375")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no TLS");
    }

    @Test
    void missingCertFilesSayWhichFile(@TempDir Path certs) {
        assertThatThrownBy(() -> DaemonEndpoint.fromEnvironment(Map.of("DOCKER_HOST", "tcp://h:2376",
                "DOCKER_TLS_VERIFY", "1", "DOCKER_CERT_PATH", certs.toString())))
                .hasMessageContaining(certs.resolve("ca.pem").toString()).hasMessageContaining("does not exist");
    }

    @Test
    void unsupportedAddresses() {
        assertThatThrownBy(() -> DaemonEndpoint.parse("ssh://user@host", null)).hasMessageContaining("not supported");
        assertThatThrownBy(() -> DaemonEndpoint.parse("tcp://host", null)).hasMessageContaining("tcp://HOST:PORT");
        assertThatThrownBy(() -> new DaemonEndpoint.Dind(new DaemonEndpoint.Dind(
                new DaemonEndpoint.UnixSocket(Path.of("/s")), DindOptions.of("d")), DindOptions.of("d")))
                .hasMessageContaining("inside another DinD");
    }

    @Test
    void dindOptionsCheckTheirInput() {
        assertThatThrownBy(() -> DindOptions.of(" ")).hasMessageContaining("DinD image is empty");
        assertThatThrownBy(() -> DindOptions.of("d").withCacheVolume("../x")).hasMessageContaining("not a volume name");
        assertThatThrownBy(() -> DindOptions.SecurityProfile.parse("root")).hasMessageContaining("'privileged' or 'capabilities'");
        assertThat(DindOptions.SecurityProfile.parse("Capabilities")).isEqualTo(DindOptions.SecurityProfile.CAPABILITIES);
    }
}
