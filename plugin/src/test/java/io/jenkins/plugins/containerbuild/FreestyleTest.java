package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mockStatic;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
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
 * The freestyle step as a freestyle build runs it ({@code SimpleBuildStep.perform} with the build's environment),
 * on the lab's daemon and password-protected registry; the registry is named in the global configuration, which
 * also supplies the credentials and the daemon.
 */
@ExtendWith(JenkinsStatics.class)
class FreestyleTest {

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
    void buildsThenPushesToARegistryOfTheGlobalConfigurationWithItsCredentials() throws Exception {
        String id = Fixtures.unique();
        String tag = "containerbuild-plugin/freestyle-" + id + ":7";
        Fixtures.context(workspace, "app", lab.baseImage(), "freestyle-" + id);
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildConfiguration global = JenkinsStatics.configuration();
        NamedRegistry registry = new NamedRegistry("lab", "http://" + lab.authRegistry());
        registry.setCredentialsId("registry");
        global.setRegistries(List.of(registry));
        DoodDaemon daemon = new DoodDaemon();
        daemon.setSocket(lab.hostSocket().toString());
        global.setDefaultDaemon(daemon);

        ContainerBuildBuilder builder = new ContainerBuildBuilder();
        builder.setContext("app");
        builder.setTags("containerbuild-plugin/freestyle-${ID}:${BUILD_NUMBER}\n\n");
        builder.setBuildArgs("GREETING=hi-${ID}\n");
        builder.setLabels("org.example.build=${BUILD_NUMBER}");
        builder.setNetwork("none");
        builder.setPush(true);
        builder.setRegistry("lab");
        builder.setRetries(0);

        String pushed = lab.authRegistry() + "/" + tag;
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            StandardUsernamePasswordCredentials credentials = Fixtures.registryCredentials(provider, "registry", lab);
            harness.freestyle(builder, Map.of("ID", id, "BUILD_NUMBER", "7"));
            created.add(tag);
            created.add(pushed);
            provider.verify(() -> CredentialsProvider.track(harness.run, credentials));
        }

        assertThat(harness.log()).contains("freestyle-" + id + " hi-" + id, "[containerBuild] Built sha256:",
                "[containerPush] Pushed " + pushed, "Connected to unix://" + lab.hostSocket());
        assertThat(harness.log()).doesNotContain(lab.registryPassword());
        assertThat(lab.docker("image", "inspect", "--format", "{{index .Config.Labels \"org.example.build\"}}", tag))
                .contains("7");

        ContainerBuildAction action = harness.action();
        assertThat(action).as("the build page's action").isNotNull();
        assertThat(action.getImages()).hasSize(1);
        ImageRecord image = action.getImages().get(0);
        assertThat(image.getImageId()).startsWith("sha256:");
        assertThat(image.getTags()).containsExactly(tag);
        assertThat(image.getSize()).isPositive();
        assertThat(image.getLayers()).isNotEmpty().anySatisfy(l -> assertThat(l.getCreatedBy()).contains("freestyle-" + id));
        String served = Fixtures.registryDigest(lab, pushed);
        assertThat(image.getPushed()).singleElement().satisfies(p -> {
            assertThat(p.getTag()).isEqualTo(pushed);
            assertThat(p.getDigest()).as("the digest the registry serves").isEqualTo(served);
        });
        LayersSvgTest.assertWellFormed(image.getLayersSvg());
    }

    @Test
    void badValuesAfterExpansionFailTheBuildBeforeAnythingRuns() throws Exception {
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildBuilder builder = new ContainerBuildBuilder();
        builder.setTags("app:${BRANCH}");
        assertThatThrownBy(() -> harness.freestyle(builder, Map.of("BRANCH", "Not A Tag")))
                .isInstanceOf(AbortException.class).hasMessageContaining("Not A Tag");
        builder.setTags("app:1");
        builder.setBuildArgs("JUSTANAME");
        assertThatThrownBy(() -> harness.freestyle(builder, Map.of())).isInstanceOf(AbortException.class)
                .hasMessage("'JUSTANAME' is not NAME=VALUE: write one NAME=VALUE per line.");
        assertThat(harness.action()).isNull();
    }

    /**
     * A build parameter holding a line break cannot add tags, build args or labels: text areas are split into lines
     * before variables are expanded, and an expanded value with CR or LF is refused, naming the field.
     */
    @Test
    void aVariableCannotAddLinesToTextAreas() throws Exception {
        ContainerBuildBuilder builder = new ContainerBuildBuilder();
        builder.setTags("app:${V}\napp:latest");
        builder.setBuildArgs("A=${V}\nB=2");
        builder.setLabels("org.example.x=${V}");
        assertThat(builder.buildStep(env(Map.of("V", "1"))).getTags()).containsExactly("app:1", "app:latest");
        assertThat(builder.buildStep(env(Map.of("V", "1"))).buildArgMap()).containsExactly(Map.entry("A", "1"),
                Map.entry("B", "2"));

        assertThatThrownBy(() -> builder.buildStep(env(Map.of("V", "1\nevil.example.com/owned:1"))))
                .isInstanceOf(AbortException.class)
                .hasMessage("The field tags holds a line break in 'app:${V}' once variables are expanded: a variable"
                        + " may not add lines; put each entry on a line of its own.");
        builder.setTags("app:1");
        assertThatThrownBy(() -> builder.buildStep(env(Map.of("V", "x\r\nINJECTED=1"))))
                .isInstanceOf(AbortException.class).hasMessageStartingWith("The field buildArgs holds a line break");
        builder.setBuildArgs("A=1");
        assertThatThrownBy(() -> builder.buildStep(env(Map.of("V", "x\rother=1"))))
                .isInstanceOf(AbortException.class).hasMessageStartingWith("The field labels holds a line break");
        builder.setLabels("");
        builder.setTarget("${V}");
        assertThatThrownBy(() -> builder.buildStep(env(Map.of("V", "a\nb"))))
                .isInstanceOf(AbortException.class).hasMessageStartingWith("The field target holds a line break");

        StepHarness harness = new StepHarness(workspace);
        builder.setTarget(null);
        builder.setTags("app:${V}");
        assertThatThrownBy(() -> harness.freestyle(builder, Map.of("V", "1\napp:2")))
                .isInstanceOf(AbortException.class).hasMessageStartingWith("The field tags holds a line break");
        assertThat(harness.action()).as("nothing built").isNull();
    }

    private static hudson.EnvVars env(Map<String, String> vars) {
        hudson.EnvVars env = org.mockito.Mockito.mock(hudson.EnvVars.class);
        org.mockito.Mockito.when(env.expand(org.mockito.ArgumentMatchers.any())).thenAnswer(i -> {
            String s = i.getArgument(0);
            for (Map.Entry<String, String> v : vars.entrySet()) {
                s = s.replace("${" + v.getKey() + "}", v.getValue());
            }
            return s;
        });
        return env;
    }

    /** The push timeout may come from a variable: expanded for the push step, and a bad value fails the build. */
    @Test
    void thePushTimeoutIsExpandedAndCheckedWhenTheBuildRuns() throws Exception {
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildBuilder builder = new ContainerBuildBuilder();
        builder.setTags("app:1");
        builder.setPush(true);
        builder.setTimeout("${PUSH_TIMEOUT}");
        hudson.EnvVars env = org.mockito.Mockito.mock(hudson.EnvVars.class);
        org.mockito.Mockito.when(env.expand(org.mockito.ArgumentMatchers.any()))
                .thenAnswer(i -> ((String) i.getArgument(0)).replace("${PUSH_TIMEOUT}", "15m"));
        assertThat(builder.pushStep(env).getTimeout()).isEqualTo("15m");

        assertThatThrownBy(() -> harness.freestyle(builder, Map.of("PUSH_TIMEOUT", "soon")))
                .isInstanceOf(AbortException.class)
                .hasMessage("timeout 'soon' is not a duration: give a positive whole number with s, m or h,"
                        + " such as 90s, 20m or 2h, at most 168h.");
        assertThat(harness.action()).as("nothing built").isNull();
    }
}
