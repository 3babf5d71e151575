package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mockStatic;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.PodmanSocket;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.MockedStatic;

/**
 * {@code podman(socket: ...)} through the steps, on the lab's Podman: a build (Podman named in the log), a push with
 * credentials to the htpasswd registry, BuildKit-only options refused naming Podman; and a blank socket found on
 * the agent as Podman's tools find it.
 */
@ExtendWith(JenkinsStatics.class)
class PodmanDaemonTest {

    private static Lab lab;

    @TempDir
    Path workspace;

    @BeforeAll
    static void lab() {
        lab = Lab.get();
    }

    private static PodmanDaemon labPodman() {
        PodmanDaemon podman = new PodmanDaemon();
        podman.setSocket("unix://" + lab.podman().socket());
        return podman;
    }

    @Test
    void buildsAndPushesWithCredentialsOnTheAgentsPodman() throws Exception {
        String id = Fixtures.unique();
        String tag = "containerbuild-plugin/podman-" + id + ":1";
        String pushed = lab.authRegistry() + "/" + tag;
        Fixtures.context(workspace, "app", lab.baseImage(), "podman-" + id);
        StepHarness harness = new StepHarness(workspace);
        try {
            ContainerBuildStep build = new ContainerBuildStep();
            build.setContext("app");
            build.setTags(List.of(tag));
            build.setNetwork("none");
            build.setDaemon(labPodman());
            BuiltImage image = harness.build(build);
            assertThat(image.getImageId())
                    .isEqualTo(lab.podman().docker("image", "inspect", "-f", "{{.Id}}", tag).strip());

            try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
                StandardUsernamePasswordCredentials credentials = Fixtures.registryCredentials(provider, "registry", lab);
                ContainerPushStep push = new ContainerPushStep();
                push.setImage(image);
                push.setRegistry("http://" + lab.authRegistry());
                push.setCredentialsId("registry");
                push.setDaemon(labPodman());
                Map<String, String> digests = harness.push(push);
                assertThat(digests).containsOnlyKeys(pushed);
                assertThat(digests.get(pushed)).matches("sha256:[0-9a-f]{64}");
                provider.verify(() -> CredentialsProvider.track(harness.run, credentials));
            }
        } finally {
            lab.podman().tryRun("rmi", "-f", tag, pushed);
        }
        assertThat(harness.log()).contains("Connected to unix://" + lab.podman().socket() + " (Podman ",
                ", builds with Buildah; API ", "with Buildah (Podman ", "podman-" + id + " none",
                "[containerPush] Pushed " + pushed).doesNotContainIgnoringCase("buildkit");
        assertThat(harness.log()).doesNotContain(lab.registryPassword());
    }

    @Test
    void secretsOnPodmanFailTheStepNamingPodman() throws Exception {
        Fixtures.context(workspace, "app", lab.baseImage(), "never");
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setContext("app");
        build.setNetwork("none");
        build.setDaemon(labPodman());
        build.setSecrets(List.of(new SecretMount("token", "api-token")));
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            org.jenkinsci.plugins.plaincredentials.StringCredentials token =
                    org.mockito.Mockito.mock(org.jenkinsci.plugins.plaincredentials.StringCredentials.class);
            hudson.util.Secret value = Fixtures.secret("podman-test-token-value");
            org.mockito.Mockito.when(token.getSecret()).thenReturn(value);
            provider.when(() -> CredentialsProvider.findCredentialById(org.mockito.ArgumentMatchers.eq("api-token"),
                    org.mockito.ArgumentMatchers.any(), org.mockito.ArgumentMatchers.any())).thenReturn(token);
            assertThatThrownBy(() -> harness.build(build)).isInstanceOf(AbortException.class)
                    .hasMessageContaining("(unix://" + lab.podman().socket() + ") has no BuildKit session, which"
                            + " secrets need: build on a Docker Engine daemon with BuildKit")
                    .hasMessageNotContaining("podman-test-token-value");
        }
        assertThat(harness.log()).doesNotContain("podman-test-token-value");
    }

    @Test
    void aBlankSocketIsFoundOnTheAgentAsPodmansToolsFindIt() throws Exception {
        PodmanDaemon blank = new PodmanDaemon();
        blank.setSocket("  ");
        assertThat(blank.getSocket()).isNull();
        ResolvedDaemon resolved = StepHarness.roundTrip(blank.resolve(null));
        assertThat(resolved).hasToString("Podman (socket found on the agent)");

        Path socket = lab.podman().socket();
        assertThat(ResolvedDaemon.podmanOnThisMachine(Map.of("CONTAINER_HOST", "unix://" + socket), true))
                .isEqualTo(new DaemonEndpoint.UnixSocket(socket));
        assertThat(PodmanSocket.ROOT_SOCKET).as("precondition: no root Podman socket on this machine").doesNotExist();
        assertThatThrownBy(() -> ResolvedDaemon.podmanOnThisMachine(Map.of(), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Podman's socket /run/podman/podman.sock does not exist on this agent: start root's Podman"
                        + " service with systemctl enable --now podman.socket (or podman system service --time=0 &),"
                        + " set CONTAINER_HOST for the agent, or give podman(socket: ...).");

        PodmanDaemon given = labPodman();
        assertThat(given.getSocket()).isEqualTo(socket.toString());
        assertThat(StepHarness.roundTrip(given.resolve(null)).endpoint()).isEqualTo(new DaemonEndpoint.UnixSocket(socket));
        assertThatThrownBy(() -> new PodmanDaemon().setSocket("podman.sock"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an absolute path");
    }
}
