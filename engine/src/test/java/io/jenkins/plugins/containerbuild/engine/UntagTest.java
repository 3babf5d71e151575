package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ContainerEngine#untag}, as {@code docker rmi TAG} without force, on the lab's host daemon: the last tag
 * takes its image (never a tagged base), another tag keeps it, an image other images are built on keeps its layers,
 * one that a container uses keeps even the tag.
 */
class UntagTest {

    private final Lab lab = Lab.get();

    private String build(ContainerEngine engine, Path dir, String dockerfile, BuilderKind kind, String... tags)
            throws Exception {
        Path ctx = Files.createDirectories(dir.resolve(LabSupport.unique("ctx")));
        LabSupport.context(ctx, dockerfile);
        BuildRequest.Builder b = BuildRequest.builder(ctx).networkMode("none").builderKind(kind);
        for (String t : tags) {
            b.tag(t);
        }
        return engine.build(b.build()).imageId();
    }

    private boolean exists(String image) {
        return lab.engine20().tryRun("image", "inspect", image).exitCode() == 0;
    }

    @Test
    void theLastTagTakesItsImageAndNeverTheTaggedBase(@TempDir Path dir) throws Exception {
        String a = "cb-untag-" + LabSupport.unique("a").toLowerCase() + ":1";
        String b = a.replace(":1", ":2");
        String base = lab.docker("image", "inspect", "-f", "{{.Id}}", lab.baseImage()).strip();
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            String id = build(engine, dir, "FROM " + lab.baseImage() + "\nRUN echo " + a + " > /made\n",
                    BuilderKind.BUILDKIT, a, b);

            TagRemoval first = engine.untag(a);
            assertThat(first.outcome()).isEqualTo(TagRemoval.Outcome.UNTAGGED);
            assertThat(first.imageId()).isEqualTo(id);
            assertThat(first.otherTags()).containsExactly(b);
            assertThat(exists(a)).isFalse();
            assertThat(exists(id)).isTrue();

            TagRemoval last = engine.untag(b);
            assertThat(last.outcome()).isEqualTo(TagRemoval.Outcome.DELETED);
            assertThat(exists(id)).as("the image went with its last tag").isFalse();
            assertThat(lab.docker("image", "inspect", "-f", "{{.Id}}", lab.baseImage()).strip())
                    .as("the base image is untouched").isEqualTo(base);

            assertThat(engine.untag(a).outcome()).isEqualTo(TagRemoval.Outcome.MISSING);
        } finally {
            LabSupport.removeImages(a, b);
        }
    }

    @Test
    void anImageOtherImagesAreBuiltOnKeepsItsLayers(@TempDir Path dir) throws Exception {
        String parent = "cb-untag-" + LabSupport.unique("parent").toLowerCase() + ":1";
        String child = parent.replace("parent", "child");
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            // the classic builder records the parent of an image; BuildKit's images have none
            String parentId = build(engine, dir, "FROM " + lab.baseImage() + "\nRUN echo parent > /p\n",
                    BuilderKind.CLASSIC, parent);
            String childId = build(engine, dir, "FROM " + parent + "\nRUN echo child > /c\n", BuilderKind.CLASSIC,
                    child);

            TagRemoval removal = engine.untag(parent);
            assertThat(removal.outcome()).isEqualTo(TagRemoval.Outcome.KEPT_AS_PARENT);
            assertThat(exists(parentId)).isTrue();
            assertThat(exists(child)).isTrue();

            assertThat(engine.untag(child).outcome()).isEqualTo(TagRemoval.Outcome.DELETED);
            assertThat(exists(childId)).isFalse();
            assertThat(exists(parentId)).as("the untagged parent went with its last child").isFalse();
        } finally {
            LabSupport.removeImages(child, parent);
        }
    }

    @Test
    void anImageAContainerUsesKeepsItsTag(@TempDir Path dir) throws Exception {
        String tag = "cb-untag-" + LabSupport.unique("used").toLowerCase() + ":1";
        String container = null;
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            String id = build(engine, dir, "FROM " + lab.baseImage() + "\nRUN echo used > /u\n", BuilderKind.BUILDKIT,
                    tag);
            container = lab.docker("create", "--network", "none", tag, "true").strip();

            TagRemoval removal = engine.untag(tag);
            assertThat(removal.outcome()).isEqualTo(TagRemoval.Outcome.IN_USE);
            assertThat(removal.reason()).contains("container " + container.substring(0, 12));
            assertThat(exists(tag)).isTrue();
            assertThat(exists(id)).isTrue();
        } finally {
            if (container != null) {
                lab.docker("rm", "-f", container);
            }
            LabSupport.removeImages(tag);
        }
    }
}
