package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import hudson.AbortException;
import io.jenkins.plugins.containerbuild.engine.RegistryTimeoutException;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * containerPush's {@code timeout} on the way down: the step's value reaches the agent-side callable and the engine's
 * push request. A registry that sits on the layer upload fails the step after the step's timeout, not the engine's
 * 30 minutes, with a message naming the setting; a push with a timeout to a healthy registry succeeds.
 */
@ExtendWith(JenkinsStatics.class)
class PushTimeoutTest {

    private static Lab lab;

    @TempDir
    Path workspace;

    @RegisterExtension
    final CreatedImages created = new CreatedImages();

    @BeforeAll
    static void lab() {
        lab = Lab.get();
    }

    /** An image with a layer no registry has yet, so that its push has a blob to upload. */
    private BuiltImage freshImage(StepHarness harness, String id) throws Exception {
        Fixtures.context(workspace, "app", lab.baseImage(), "timeout-" + id);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setContext("app");
        build.setTags(List.of("containerbuild-plugin/timeout-" + id + ":1"));
        build.setNetwork("none");
        build.setDaemon(new DoodDaemon());
        BuiltImage image = harness.build(build);
        created.addAll(image.getTags());
        return image;
    }

    @Test
    void aRegistrySlowerThanTheStepsTimeoutFailsTheStepSayingSo() throws Exception {
        String id = Fixtures.unique();
        StepHarness harness = new StepHarness(workspace);
        BuiltImage image = freshImage(harness, id);
        Throwable failure;
        long took;
        String pushed;
        try (SlowRegistryProxy registry = new SlowRegistryProxy(lab.plainRegistry(), Duration.ofSeconds(60))) {
            pushed = registry.address() + "/containerbuild-plugin/timeout-" + id + ":1";
            created.add(pushed);
            ContainerPushStep push = new ContainerPushStep();
            push.setImage(image);
            push.setRegistry(registry.address());
            push.setTimeout(" 4s ");
            assertThat(push.getTimeout()).isEqualTo("4s");

            long start = System.nanoTime();
            failure = catchThrowable(() -> harness.push(push));
            took = System.nanoTime() - start;
            assertThat(registry.held).as("the layer upload reached the slow registry").isNotEmpty();
        }

        // what Jenkins prints as the step's error in the build log
        assertThat(failure).isInstanceOf(AbortException.class)
                .hasMessageContaining("The push of " + pushed + " to registry ")
                .hasMessageContaining("timed out: it did not finish within 4 s")
                .hasMessageContaining("The push timeout is 4s: raise it with the timeout setting");
        assertThat(failure.getCause()).isInstanceOf(RegistryTimeoutException.class);
        assertThat(Duration.ofNanos(took)).as("the step's timeout is kept, not the engine's default")
                .isBetween(Duration.ofSeconds(4), Duration.ofSeconds(30));
        assertThat(harness.log()).contains("[containerPush] ").doesNotContain("Pushed " + pushed);
        assertThat(harness.action().getImages()).singleElement()
                .satisfies(record -> assertThat(record.getPushed()).as("nothing recorded as pushed").isEmpty());
    }

    @Test
    void aPushWithATimeoutToAHealthyRegistrySucceeds() throws Exception {
        String id = Fixtures.unique();
        StepHarness harness = new StepHarness(workspace);
        BuiltImage image = freshImage(harness, id);
        ContainerPushStep push = new ContainerPushStep();
        push.setImage(image);
        push.setRegistry(lab.plainRegistry());
        push.setTimeout("2m");

        Map<String, String> digests = harness.push(push);
        String pushed = lab.plainRegistry() + "/containerbuild-plugin/timeout-" + id + ":1";
        created.add(pushed);

        assertThat(digests).containsOnlyKeys(pushed);
        assertThat(digests.get(pushed)).as("the digest the registry serves").isEqualTo(Fixtures.registryDigest(lab, pushed));
        assertThat(harness.log()).contains("[containerPush] Pushed " + pushed + " as " + digests.get(pushed));
    }
}
