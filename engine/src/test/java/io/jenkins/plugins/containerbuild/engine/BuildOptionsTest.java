package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/** Every build option reaches the daemon and shows in the image. */
class BuildOptionsTest {

    private final Lab lab = Lab.get();

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void argsTargetLabelsPlatformCacheFromAndNoCache(BuilderKind kind, @TempDir Path dir) throws Exception {
        String tag = "options-test/" + kind + ":" + LabSupport.unique("t");
        LabSupport.context(dir, """
                FROM %1$s AS base
                ARG GREETING=unset
                RUN echo "$GREETING" > /greeting
                FROM base AS wanted
                RUN echo wanted > /stage
                FROM base AS skipped
                RUN echo never > /stage
                """.formatted(lab.baseImage()));
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), events)) {
            BuildRequest request = BuildRequest.builder(dir).tag(tag).builderKind(kind).networkMode("none")
                    .buildArg("GREETING", "hello options").target("wanted").label("team", "core")
                    .source("https://example.invalid/repo.git").platform("linux/amd64").cacheFrom(lab.baseImage())
                    .build();
            BuildResult built = engine.build(request);
            String run = lab.docker("run", "--rm", "--network", "none", tag, "cat", "/greeting", "/stage");
            assertThat(run).isEqualTo("hello options\nwanted\n");
            assertThat(lab.docker("image", "inspect", "-f",
                    "{{index .Config.Labels \"team\"}} {{index .Config.Labels \"org.opencontainers.image.source\"}} {{.Architecture}}",
                    tag).trim()).isEqualTo("core https://example.invalid/repo.git amd64");
            if (kind == BuilderKind.BUILDKIT) {
                assertThat(events.events).as("BuildKit skips the stage the target does not need")
                        .noneMatch(e -> e instanceof EngineEvent.StepStarted s && s.step().contains("echo never"));
            }

            events.events.clear();
            BuildResult fresh = engine.build(BuildRequest.builder(dir).tag(tag).builderKind(kind).networkMode("none")
                    .buildArg("GREETING", "hello options").target("wanted").noCache(true).build());
            assertThat(fresh.cachedSteps()).as("no-cache reuses nothing: %s", events.events.stream()
                    .filter(e -> e instanceof EngineEvent.StepCompleted c && c.cached()).toList()).isZero();
            assertThat(fresh.imageId()).isNotEqualTo(built.imageId());
        } finally {
            LabSupport.removeImages(tag);
        }
    }

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void pullFetchesANewerBaseImageFromTheRegistry(BuilderKind kind, @TempDir Path dir) throws Exception {
        String base = lab.plainRegistry() + "/" + LabSupport.unique("it/pullbase") + ":1";
        String tag = "pull-test/" + kind + ":" + LabSupport.unique("t");
        try (ContainerEngine host = ContainerEngine.connect(lab.dood(), new RecordingSink());
             ContainerEngine other = ContainerEngine.connect(lab.tls(), new RecordingSink())) {
            // the host daemon holds v1 of the base; the registry gets v2 from the other daemon
            LabSupport.context(dir, "FROM " + lab.baseImage() + "\nRUN echo v1 > /version\n");
            host.build(BuildRequest.builder(dir).tag(base).networkMode("none").build());
            host.push(PushRequest.builder().tag(base).build());
            LabSupport.context(dir, "FROM " + lab.baseImage() + "\nRUN echo v2 > /version\n");
            other.build(BuildRequest.builder(dir).tag(base).networkMode("none").build());
            other.push(PushRequest.builder().tag(base).build());
            other.remove(base);

            LabSupport.context(dir, "FROM " + base + "\nRUN cp /version /seen\n");
            host.build(BuildRequest.builder(dir).tag(tag).builderKind(kind).networkMode("none").build());
            assertThat(lab.docker("run", "--rm", "--network", "none", tag, "cat", "/seen")).isEqualTo("v1\n");
            host.build(BuildRequest.builder(dir).tag(tag).builderKind(kind).networkMode("none").pull(true).build());
            assertThat(lab.docker("run", "--rm", "--network", "none", tag, "cat", "/seen")).isEqualTo("v2\n");
        } finally {
            LabSupport.removeImages(tag, base);
        }
    }
}
