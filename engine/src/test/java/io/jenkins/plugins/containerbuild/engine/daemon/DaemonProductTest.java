package io.jenkins.plugins.containerbuild.engine.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Podman or Docker Engine, from the headers of a {@code /_ping} reply as the lab's daemons send them (Podman 4.3.1:
 * {@code Libpod-Api-Version}, {@code Libpod-Buildah-Version}, {@code Server: Libpod/4.3.1 (linux)}; Engine 20.10:
 * {@code Server: Docker/20.10.24+dfsg1 (linux)}). The real daemons are asked in PodmanTest.
 */
class DaemonProductTest {

    @Test
    void podmansPingNamesPodmanAndItsVersion() {
        DaemonProduct p = DaemonProduct.fromPing(Map.of("Api-Version", List.of("1.41"),
                "libpod-api-version", List.of("4.3.1"), "Libpod-Buildah-Version", List.of("1.28.2"),
                "Server", List.of("Libpod/4.3.1 (linux)")));
        assertThat(p).isEqualTo(new DaemonProduct(DaemonProduct.Kind.PODMAN, "4.3.1"));
        assertThat(p.podman()).isTrue();
        assertThat(p).hasToString("Podman 4.3.1, builds with Buildah");
        assertThat(DaemonProduct.fromPing(Map.of("Server", List.of("Libpod/5.2.0 (linux)"))))
                .as("the Server header alone").isEqualTo(new DaemonProduct(DaemonProduct.Kind.PODMAN, "5.2.0"));
    }

    @Test
    void dockersPingIsDockerEngine() {
        DaemonProduct d = DaemonProduct.fromPing(Map.of("Api-Version", List.of("1.41"),
                "Server", List.of("Docker/20.10.24+dfsg1 (linux)"), "Builder-Version", List.of("2")));
        assertThat(d).isEqualTo(new DaemonProduct(DaemonProduct.Kind.DOCKER, "20.10.24+dfsg1"));
        assertThat(d).hasToString("Docker Engine 20.10.24+dfsg1");
        assertThat(d.podman()).isFalse();
        assertThat(DaemonProduct.fromPing(Map.of("Api-Version", List.of("1.41"))))
                .as("a server that does not say").isEqualTo(new DaemonProduct(DaemonProduct.Kind.DOCKER, "unknown"));
        assertThat(DaemonProduct.fromPing(Map.of("Server", List.of("nginx/1.25"))).podman()).isFalse();
    }
}
