package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/** Every build option reaches the daemon and shows in the image (or, for a cache source, in what is reused). */
class BuildOptionsTest {

    private final Lab lab = Lab.get();

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void argsTargetLabelsAndNoCache(BuilderKind kind, @TempDir Path dir) throws Exception {
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
                    .source("https://example.invalid/repo.git").build();
            BuildResult built = engine.build(request);
            String run = lab.docker("run", "--rm", "--network", "none", tag, "cat", "/greeting", "/stage");
            assertThat(run).isEqualTo("hello options\nwanted\n");
            assertThat(lab.docker("image", "inspect", "-f",
                    "{{index .Config.Labels \"team\"}} {{index .Config.Labels \"org.opencontainers.image.source\"}}",
                    tag).trim()).isEqualTo("core https://example.invalid/repo.git");
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

    /**
     * A platform other than the machine's, so that dropping it shows: an image from scratch needs no emulator, and
     * both builders record the requested architecture in it.
     */
    @ParameterizedTest
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#fullWithBuilders")
    void platformIsTheImagesArchitecture(Lab.Daemon daemon, BuilderKind kind, @TempDir Path dir) throws Exception {
        String tag = "platform-test/" + kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + LabSupport.unique("t");
        LabSupport.context(dir, "FROM scratch\nCOPY data /data\n", "data", "made for arm64\n");
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            engine.build(BuildRequest.builder(dir).tag(tag).builderKind(kind).networkMode("none")
                    .platform("linux/arm64").build());
            assertThat(daemon.docker("image", "inspect", "-f", "{{.Os}}/{{.Architecture}}", tag).trim())
                    .isEqualTo("linux/arm64");
        } finally {
            LabSupport.removeImages(daemon, tag);
        }
    }

    /**
     * A cache source is used: another daemon builds a step whose output is random (and whose command is new to every
     * daemon), pushes it to the registry, and the host daemon's build with {@code cacheFrom} gets that very output
     * instead of running the step. The classic builder takes its cache sources from local images (pulled first);
     * BuildKit reads the image's inline cache from the registry.
     */
    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void cacheFromReusesTheCacheSourcesSteps(BuilderKind kind, @TempDir Path dir) throws Exception {
        // the TLS daemon: Engine 20.10 like the host, so that both frontends make the same cache keys, with a cache
        // of its own
        Lab.Daemon other = new Lab.Daemon("20.10-tls", Path.of(lab.fact("LAB_TLS_SOCKET")), false, Path.of("/"),
                Path.of(lab.fact("LAB_DIR"), "tls-daemon", "dockerd.log"), "");
        Lab.Daemon host = lab.engine20();
        String source = lab.plainRegistry() + "/" + LabSupport.unique("it/cachesource") + ":1";
        String tag = "cache-from-test/" + kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + LabSupport.unique("t");
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nRUN echo " + LabSupport.unique("step")
                + " > /step && cat /proc/sys/kernel/random/uuid > /random\n");
        try {
            try (ContainerEngine engine = ContainerEngine.connect(other.endpoint(), new RecordingSink())) {
                BuildRequest.Builder b = BuildRequest.builder(dir).tag(source).builderKind(kind).networkMode("none");
                if (kind == BuilderKind.BUILDKIT) {
                    b.buildArg("BUILDKIT_INLINE_CACHE", "1");
                }
                engine.build(b.build());
                engine.push(PushRequest.builder().tag(source).build());
            }
            String random = other.docker("run", "--rm", "--network", "none", source, "cat", "/random");
            if (kind == BuilderKind.CLASSIC) {
                host.docker("pull", source);
            }
            try (ContainerEngine engine = ContainerEngine.connect(host.endpoint(), new RecordingSink())) {
                // the host never ran this step: only the cache source can hold its output
                BuildResult built = engine.build(BuildRequest.builder(dir).tag(tag).builderKind(kind)
                        .networkMode("none").cacheFrom(source).build());
                assertThat(host.docker("run", "--rm", "--network", "none", tag, "cat", "/random"))
                        .as("the step's output comes from the cache source").isEqualTo(random);
                assertThat(built.cachedSteps()).as("the step is reported cached").isPositive();
            }
        } finally {
            LabSupport.removeImages(host, tag, source);
            LabSupport.removeImages(other, source);
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
