package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mockStatic;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import io.jenkins.plugins.containerbuild.engine.daemon.TlsMaterial;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.MockedStatic;

/** The two other daemon modes through the steps: remote TCP with a TLS client certificate, and DinD sidecars. */
@ExtendWith(JenkinsStatics.class)
class DaemonModesTest {

    private static final String OWNER_LABEL = "io.jenkins.containerbuild.owner";

    private static Lab lab;

    @TempDir
    Path workspace;

    @BeforeAll
    static void lab() {
        lab = Lab.get();
    }

    @Test
    void buildsOnTheTlsDaemonWithDockerServerCredentials() throws Exception {
        String id = Fixtures.unique();
        Fixtures.context(workspace, ".", lab.baseImage(), "tls-" + id);
        StepHarness harness = new StepHarness(workspace);
        TlsMaterial tls = lab.clientTls();
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            DockerServerCredentials credentials = Fixtures.tlsCredentials(provider, "tls", tls);

            TcpDaemon daemon = new TcpDaemon(lab.tlsUri().toString());
            daemon.setCredentialsId("tls");
            ContainerBuildStep build = new ContainerBuildStep();
            build.setNetwork("none");
            build.setDaemon(daemon);
            BuiltImage image = harness.build(build);

            assertThat(image.getImageId()).startsWith("sha256:");
            provider.verify(() -> CredentialsProvider.track(harness.run, credentials));
        }
        assertThat(harness.log()).contains("Connected to " + lab.tlsUri() + " (TLS)", "tls-" + id);
        assertThat(harness.log()).doesNotContain("PRIVATE KEY");
    }

    @Test
    void buildsInDindThenPushesFromASecondSidecarSharingTheCacheVolume() throws Exception {
        String id = Fixtures.unique();
        String volume = "containerbuild-plugin-test-" + id;
        String tag = lab.plainRegistry() + "/containerbuild-plugin/dind-" + id + ":1";
        Fixtures.context(workspace, "app", lab.registryBaseImage(), "dind-" + id);
        StepHarness harness = new StepHarness(workspace);
        try {
            ContainerBuildStep build = new ContainerBuildStep();
            build.setContext("app");
            build.setTags(List.of(tag));
            build.setNetwork("none");
            build.setDaemon(dind(volume));
            BuiltImage image = harness.build(build);
            assertThat(harness.log()).contains("dind-" + id);

            ContainerPushStep push = new ContainerPushStep();
            push.setImage(image);
            push.setDaemon(dind(volume));
            Map<String, String> digests = harness.push(push);

            assertThat(digests).containsOnlyKeys(tag);
            assertThat(digests.get(tag)).as("the digest the registry serves").isEqualTo(Fixtures.registryDigest(lab, tag));
            // both sidecars are gone; they carried the build's id
            assertThat(lab.docker("ps", "-a", "-q", "--filter",
                    "label=" + OWNER_LABEL + "=" + harness.run.getExternalizableId()).strip()).isEmpty();
        } finally {
            // cache volumes are per job: the daemon's volume has the job's prefix
            String run = harness.run.getExternalizableId();
            lab.run(null, "volume", "rm", "-f", volume, DindImages.jobVolume(run.substring(0, run.lastIndexOf('#')),
                    volume));
        }
    }

    private static DindDaemon dind(String volume) {
        DindDaemon d = new DindDaemon(lab.dindImage());
        d.setCacheVolume(volume);
        d.setSecurity("capabilities");
        d.setSocket("unix://" + lab.hostSocket());
        return d;
    }
}
