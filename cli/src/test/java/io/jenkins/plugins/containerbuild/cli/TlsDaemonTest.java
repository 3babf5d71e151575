package io.jenkins.plugins.containerbuild.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.event.EventSink;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds on the lab's TLS daemon, selected with --host and the --tls-* files. */
class TlsDaemonTest {

    @TempDir
    Path dir;

    @Test
    void buildsOnTheTlsDaemon() throws Exception {
        Lab lab = Lab.get();
        Path certs = lab.certs();
        String id = CliRun.unique();
        String tag = "cli-test/tls-" + id + ":1";
        Path context = CliRun.context(dir, lab.baseImage(), "over-tls-" + id);
        try {
            // DOCKER_HOST points at the host daemon: --host must win over it
            CliRun r = CliRun.run("build", "--context", context.toString(), "--tag", tag, "--network", "none",
                    "--host", lab.tlsUri().toString(),
                    "--tls-ca", certs.resolve("ca.pem").toString(),
                    "--tls-cert", certs.resolve("client-cert.pem").toString(),
                    "--tls-key", certs.resolve("client-key.pem").toString(), "--json");

            assertThat(r.exit()).as(r.err()).isZero();
            String imageId = r.json().path("imageId").asText();
            assertThat(imageId).startsWith("sha256:");
            assertThat(r.err()).contains("Connected to " + lab.tlsUri() + " (TLS)", "    | over-tls-" + id);
            try (ContainerEngine tls = ContainerEngine.connect(lab.tls(), EventSink.discard())) {
                Optional<ContainerEngine.ImageInfo> info = tls.inspect(tag);
                assertThat(info).isPresent();
                assertThat(info.get().id()).isEqualTo(imageId);
            }
            try (ContainerEngine host = ContainerEngine.connect(lab.dood(), EventSink.discard())) {
                assertThat(host.inspect(tag)).as("the host daemon must not have it").isEmpty();
            }
        } finally {
            try (ContainerEngine tls = ContainerEngine.connect(lab.tls(), EventSink.discard())) {
                tls.remove(tag);
            }
        }
    }

    @Test
    void aClientCertificateFromAnotherCaFailsWithExitOne() {
        Lab lab = Lab.get();
        Path certs = lab.certs();
        Path context = CliRun.context(dir, lab.baseImage(), "never");
        CliRun r = CliRun.runWith(Map.of(), "", "build", "--context", context.toString(), "--tag", "cli-test/never:1",
                "--host", lab.tlsUri().toString(),
                "--tls-ca", certs.resolve("other-ca.pem").toString(),
                "--tls-cert", certs.resolve("other-client-cert.pem").toString(),
                "--tls-key", certs.resolve("other-client-key.pem").toString());

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("TLS").doesNotContain("\tat ");
    }
}
