package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import hudson.AbortException;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code containerPush(removeAfterPush: true)} and the freestyle checkbox, on the lab's host daemon: after a good push
 * the pushed tags go, and the image with its last tag; a shared base and its other children stay; an image a
 * container uses is left alone with a note; a failed push removes nothing.
 */
@ExtendWith(JenkinsStatics.class)
class RemoveAfterPushTest {

    private static Lab lab;

    @RegisterExtension
    final CreatedImages created = new CreatedImages();

    @TempDir
    Path workspace;

    @BeforeAll
    static void lab() {
        lab = Lab.get();
    }

    private boolean exists(String image) {
        return lab.engine20().tryRun("image", "inspect", image).exitCode() == 0;
    }

    private BuiltImage build(StepHarness harness, String dir, String dockerfile, String... tags) throws Exception {
        Files.writeString(Files.createDirectories(workspace.resolve(dir)).resolve("Dockerfile"), dockerfile);
        ContainerBuildStep build = new ContainerBuildStep();
        build.setContext(dir);
        build.setTags(List.of(tags));
        build.setNetwork("none");
        created.addAll(List.of(tags));
        return harness.build(build);
    }

    @Test
    void thePushedImageGoesAndASharedBaseAndItsOtherChildrenStay() throws Exception {
        String id = Fixtures.unique();
        String base = "containerbuild-plugin/rm-base-" + id + ":1";
        String app = lab.plainRegistry() + "/containerbuild-plugin/rm-app-" + id + ":1";
        String appLatest = lab.plainRegistry() + "/containerbuild-plugin/rm-app-" + id + ":latest";
        String other = "containerbuild-plugin/rm-other-" + id + ":1";
        StepHarness harness = new StepHarness(workspace);
        BuiltImage baseImage = build(harness, "base", "FROM " + lab.baseImage() + "\nRUN echo base-" + id + " > /base\n",
                base);
        BuiltImage image = build(harness, "app", "FROM " + base + "\nRUN echo app-" + id + " > /app\n", app, appLatest);
        BuiltImage otherImage = build(harness, "other", "FROM " + base + "\nRUN echo other-" + id + " > /other\n",
                other);

        ContainerPushStep push = new ContainerPushStep();
        push.setImage(image);
        push.setRemoveAfterPush(true);
        Map<String, String> digests = harness.push(push);

        assertThat(digests).containsOnlyKeys(app, appLatest);
        assertThat(exists(app)).isFalse();
        assertThat(exists(appLatest)).isFalse();
        assertThat(exists(image.getImageId())).as("the image went with its last tag").isFalse();
        assertThat(exists(baseImage.getImageId())).as("the shared base stays").isTrue();
        assertThat(exists(base)).isTrue();
        assertThat(exists(otherImage.getImageId())).as("another image on the same base stays").isTrue();
        assertThat(harness.log()).contains("Removed " + app + "; the image " + image.getImageId()
                + " stays for its other tags: " + appLatest,
                "Removed " + appLatest + " and its image " + image.getImageId());
    }

    @Test
    void withARegistryTheNamesTheTagsWereMadeFromGoToo() throws Exception {
        String id = Fixtures.unique();
        String tag = "containerbuild-plugin/rm-named-" + id + ":1";
        String pushed = lab.plainRegistry() + "/" + tag;
        created.add(pushed);
        StepHarness harness = new StepHarness(workspace);
        BuiltImage image = build(harness, "named", "FROM " + lab.baseImage() + "\nRUN echo named-" + id + " > /n\n",
                tag);

        ContainerPushStep push = new ContainerPushStep();
        push.setImage(image);
        push.setRegistry("http://" + lab.plainRegistry());
        push.setRemoveAfterPush(true);
        assertThat(harness.push(push)).containsOnlyKeys(pushed);

        assertThat(exists(pushed)).isFalse();
        assertThat(exists(tag)).isFalse();
        assertThat(exists(image.getImageId())).isFalse();
    }

    @Test
    void anImageAContainerUsesIsLeftAloneWithANote() throws Exception {
        String id = Fixtures.unique();
        String tag = lab.plainRegistry() + "/containerbuild-plugin/rm-used-" + id + ":1";
        StepHarness harness = new StepHarness(workspace);
        BuiltImage image = build(harness, "used", "FROM " + lab.baseImage() + "\nRUN echo used-" + id + " > /u\n", tag);
        String container = lab.docker("create", "--network", "none", tag, "true").strip();
        try {
            ContainerPushStep push = new ContainerPushStep();
            push.setImage(image);
            push.setRemoveAfterPush(true);
            assertThat(harness.push(push)).containsOnlyKeys(tag);

            assertThat(exists(tag)).isTrue();
            assertThat(harness.log()).contains("Kept " + tag + ": a container uses its image (",
                    container.substring(0, 12), "remove the container to let the image go");
        } finally {
            lab.docker("rm", "-f", container);
        }
    }

    @Test
    void aFailedPushRemovesNothing() throws Exception {
        String id = Fixtures.unique();
        String tag = lab.authRegistry() + "/containerbuild-plugin/rm-failed-" + id + ":1";
        StepHarness harness = new StepHarness(workspace);
        BuiltImage image = build(harness, "failed", "FROM " + lab.baseImage() + "\nRUN echo failed-" + id + " > /f\n",
                tag);

        ContainerPushStep push = new ContainerPushStep();
        push.setImage(image);
        push.setRemoveAfterPush(true);
        push.setRetries(0);
        assertThatThrownBy(() -> harness.push(push)).isInstanceOf(AbortException.class)
                .hasMessageContaining(lab.authRegistry());

        assertThat(exists(tag)).isTrue();
        assertThat(harness.log()).doesNotContain("Removed ");
    }

    @Test
    void theFreestyleCheckboxRemovesWhatTheStepPushed() throws Exception {
        String id = Fixtures.unique();
        String tag = lab.plainRegistry() + "/containerbuild-plugin/rm-freestyle-" + id + ":1";
        created.add(tag);
        Files.writeString(workspace.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\nRUN echo fs-" + id + "\n");
        StepHarness harness = new StepHarness(workspace);
        ContainerBuildBuilder builder = new ContainerBuildBuilder();
        builder.setTags(tag);
        builder.setNetwork("none");
        builder.setPush(true);
        builder.setRemoveAfterPush(true);

        harness.freestyle(builder, Map.of());

        assertThat(harness.action().getImages()).singleElement()
                .satisfies(r -> assertThat(r.getPushed()).isNotEmpty());
        assertThat(exists(tag)).isFalse();
        assertThat(harness.log()).contains("Removed " + tag + " and its image ");
    }
}
