package io.jenkins.plugins.containerbuild.engine.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The inner dockerd's arguments: TLS with client verification on a port of its choosing, whatever the entrypoint. */
class DindSidecarCommandTest {

    private static final List<String> FLAGS = List.of("--host", "tcp://127.0.0.1:0", "--tlsverify",
            "--tlscacert", "/containerbuild-tls/ca.pem", "--tlscert", "/containerbuild-tls/cert.pem",
            "--tlskey", "/containerbuild-tls/key.pem", "--bridge=none", "--iptables=false", "--ip6tables=false");

    @Test
    void anEntrypointThatIsDockerdGetsOnlyFlags() {
        assertThat(DindSidecar.command(List.of("/usr/sbin/dockerd"))).isEqualTo(FLAGS);
        assertThat(DindSidecar.command(List.of("dockerd"))).isEqualTo(FLAGS);
    }

    @Test
    void anEntrypointScriptIsToldToRunDockerdWithExactlyTheseFlags() {
        // docker:dind's script adds tcp://0.0.0.0:2375/2376 listeners of its own when its first argument is a flag
        assertThat(DindSidecar.command(List.of("dockerd-entrypoint.sh"))).first().isEqualTo("dockerd");
        assertThat(DindSidecar.command(List.of("dockerd-entrypoint.sh")).subList(1, FLAGS.size() + 1)).isEqualTo(FLAGS);
        assertThat(DindSidecar.command(List.of())).first().isEqualTo("dockerd");
    }
}
