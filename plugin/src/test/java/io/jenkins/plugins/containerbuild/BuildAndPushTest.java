package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mockStatic;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.MockedStatic;

/**
 * containerBuild then containerPush through the agent's daemon (DooD), run as Jenkins runs them: the step
 * execution on the controller side, the callable serialized and invoked on the workspace, the lab's daemon and
 * password-protected registry underneath.
 */
@ExtendWith(JenkinsStatics.class)
class BuildAndPushTest {

    private static Lab lab;

    @TempDir
    Path workspace;

    @RegisterExtension
    final CreatedImages created = new CreatedImages();

    @BeforeAll
    static void lab() {
        lab = Lab.get();
    }

    @Test
    void buildsThenPushesUnderTheRegistryNameWithCredentials() throws Exception {
        String id = Fixtures.unique();
        String tag = "containerbuild-plugin/dood-" + id + ":1";
        Fixtures.context(workspace, "app", lab.baseImage(), "built-" + id);
        StepHarness harness = new StepHarness(workspace);

        ContainerBuildStep build = new ContainerBuildStep();
        build.setContext(" app ");
        build.setTags(List.of(tag));
        build.setBuildArgMap(Map.of("GREETING", "hi-" + id));
        build.setLabelMap(Map.of("org.example.test", id));
        build.setNetwork("none");
        BuiltImage image = harness.build(build);
        created.add(tag);

        assertThat(image.getImageId()).startsWith("sha256:").isEqualTo(image.toString());
        assertThat(image.getTags()).containsExactly(tag);
        assertThat(image.getSize()).isPositive();
        assertThat(harness.log()).contains("[containerBuild] ", "built-" + id + " hi-" + id, "hello from the context",
                "Built " + image.getImageId());
        assertThat(lab.docker("image", "inspect", "--format", "{{index .Config.Labels \"org.example.test\"}}", tag))
                .contains(id);

        String password = lab.registryPassword();
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            StandardUsernamePasswordCredentials credentials = Fixtures.registryCredentials(provider, "registry", lab);
            ContainerPushStep push = new ContainerPushStep();
            push.setImage(image);
            push.setRegistry("http://" + lab.authRegistry());
            push.setCredentialsId("registry");
            Map<String, String> digests = harness.push(push);
            String pushed = lab.authRegistry() + "/" + tag;
            created.add(pushed);

            assertThat(digests).containsOnlyKeys(pushed);
            assertThat(digests.get(pushed)).as("the digest the registry serves").isEqualTo(Fixtures.registryDigest(lab, pushed));
            provider.verify(() -> CredentialsProvider.track(harness.run, credentials));
        }
        assertThat(harness.log()).contains("Tagged " + tag + " as " + lab.authRegistry() + "/" + tag,
                "[containerPush] Pushed " + lab.authRegistry() + "/" + tag);
        assertThat(harness.log()).doesNotContain(password);
    }

    @Test
    void classicBuilderWithExplicitDockerfileAndNoTags() throws Exception {
        String id = Fixtures.unique();
        Path context = Fixtures.context(workspace, "ctx", lab.baseImage(), "classic-" + id);
        java.nio.file.Files.move(context.resolve("Dockerfile"), workspace.resolve("Build.dockerfile"));
        StepHarness harness = new StepHarness(workspace);

        ContainerBuildStep build = new ContainerBuildStep();
        build.setContext("ctx");
        build.setDockerfile("Build.dockerfile");
        build.setBuilder("classic");
        build.setNetwork("none");
        BuiltImage image = harness.build(build);
        created.add(image.getImageId());

        assertThat(image.getTags()).isEmpty();
        assertThat(harness.log()).contains("classic-" + id);
    }

    @Test
    void pushWithoutCredentialsToTheOpenRegistry() throws Exception {
        String id = Fixtures.unique();
        String tag = lab.plainRegistry() + "/containerbuild-plugin/open-" + id + ":1";
        lab.docker("tag", lab.baseImage(), tag);
        created.add(tag);
        StepHarness harness = new StepHarness(workspace);

        ContainerPushStep push = new ContainerPushStep();
        push.setTags(List.of(tag));
        push.setRetries(0);
        Map<String, String> digests = harness.push(push);

        assertThat(digests).containsOnlyKeys(tag);
        assertThat(digests.get(tag)).as("the digest the registry serves").isEqualTo(Fixtures.registryDigest(lab, tag));
        assertThat(harness.log()).contains("[containerPush] Pushed " + tag + " as " + digests.get(tag));
    }
}
