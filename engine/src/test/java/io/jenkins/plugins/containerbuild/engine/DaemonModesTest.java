package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Each daemon mode builds and pushes for real: the agent's socket, TLS over TCP, and a DinD sidecar. */
class DaemonModesTest {

    private static final String OWNER = LabSupport.unique("DaemonModesTest");
    private final Lab lab = Lab.get();

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStoreAndPodmanWithBuilders")
    void doodBuildsAndPushes(Lab.Daemon daemon, BuilderKind kind, @TempDir Path dir) throws Exception {
        String repo = LabSupport.unique("it/dood-" + kind);
        String tag = lab.plainRegistry() + "/" + repo + ":1";
        LabSupport.context(dir, "FROM " + daemon.baseImage() + "\nCOPY hello.txt /hello.txt\nRUN cat /hello.txt\n",
                "hello.txt", "hello " + repo + "\n");
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            BuildRequest request = BuildRequest.builder(dir).tag(tag).networkMode("none").builderKind(kind)
                    .revision("abc123").build();
            BuildResult built = engine.build(request);
            assertThat(built.imageId()).startsWith("sha256:").hasSize(71);
            assertThat(built.tags()).containsExactly(tag);
            assertThat(built.size()).isPositive();
            assertThat(built.layers()).extracting(BuildResult.Layer::createdBy).anyMatch(c -> c.contains("cat /hello.txt"));
            assertThat(engine.inspect(tag)).get().extracting(ContainerEngine.ImageInfo::id).isEqualTo(built.imageId());
            assertThat(daemon.docker("image", "inspect", "-f", "{{index .Config.Labels \"org.opencontainers.image.revision\"}}", tag).trim())
                    .isEqualTo("abc123");
            assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.StepOutput o && o.line().contains("hello " + repo));
            // classic and Podman: the tar (headers included); BuildKit's session: the content of the files the daemon asked for
            long expected = kind == BuilderKind.CLASSIC || daemon.podman() ? 1024
                    : java.nio.file.Files.size(dir.resolve("Dockerfile")) + java.nio.file.Files.size(dir.resolve("hello.txt"));
            assertThat(events.events).as("the context upload is reported").anyMatch(e -> e instanceof EngineEvent.Progress p
                    && p.subject().equals("build context") && p.status().equals("Sent") && p.current() >= expected);

            // the same build again comes from the cache
            BuildResult again = engine.build(request);
            assertThat(again.imageId()).isEqualTo(built.imageId());
            assertThat(again.cachedSteps()).as("COPY and RUN (and the classic builder's LABEL step)").isGreaterThanOrEqualTo(2);

            PushResult pushed = engine.push(PushRequest.builder().tag(tag).build());
            assertThat(pushed.digests()).containsEntry(tag, LabSupport.registryDigest(lab.plainRegistry(), repo, "1"));
            assertThat(pushed.pushed().get(0).size()).isPositive();
        } finally {
            LabSupport.removeImages(daemon, tag);
        }
    }

    @Test
    void tlsDaemonBuildsAndPushes(@TempDir Path dir) throws Exception {
        String repo = LabSupport.unique("it/tls");
        String tag = lab.plainRegistry() + "/" + repo + ":2";
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nRUN echo built over tls > /proof\n");
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(lab.tls(), events)) {
            assertThat(engine.endpoint()).isInstanceOf(DaemonEndpoint.Tcp.class);
            BuildResult built = engine.build(BuildRequest.builder(dir).tag(tag).networkMode("none").build());
            assertThat(built.imageId()).startsWith("sha256:");
            assertThat(events.events).as("the BuildKit session works over TLS too").noneMatch(e ->
                    e instanceof EngineEvent.Warning w && w.message().contains("BuildKit session"));
            PushResult pushed = engine.push(PushRequest.builder().tag(tag).build());
            assertThat(pushed.digests()).containsEntry(tag, LabSupport.registryDigest(lab.plainRegistry(), repo, "2"));
            engine.remove(tag);
            assertThat(engine.inspect(tag)).isEmpty();
        }
        // the image was built by the TLS daemon, not the host daemon
        assertThat(Lab.exec(List.of("/usr/bin/docker", "-H", "unix://" + lab.hostSocket(), "image", "inspect", tag), null, false)
                .exitCode()).isNotZero();
    }

    @ParameterizedTest(name = "sidecar on {0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#full")
    void dindBuildsPushesReusesItsCacheVolumeAndLeavesNoContainer(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        String volume = LabSupport.unique("cb-it-dind-cache");
        String repo = LabSupport.unique("it/dind");
        String tag = lab.plainRegistry() + "/" + repo + ":3";
        LabSupport.context(dir, "FROM " + lab.registryBaseImage() + "\nRUN echo inside dind > /proof\n");
        DaemonEndpoint dind = new DaemonEndpoint.Dind(daemon.endpoint(), DindOptions.of(lab.dindImage()).withCacheVolume(volume)
                .withSecurity(DindOptions.SecurityProfile.CAPABILITIES).withOwner(OWNER));
        try {
            BuildResult first;
            RecordingSink events = new RecordingSink();
            try (ContainerEngine engine = ContainerEngine.connect(dind, events)) {
                assertThat(LabSupport.labelledContainers(daemon, OWNER)).hasSize(1);
                first = engine.build(BuildRequest.builder(dir).tag(tag).networkMode("none").build());
                PushResult pushed = engine.push(PushRequest.builder().tag(tag).build());
                assertThat(pushed.digests()).containsEntry(tag, LabSupport.registryDigest(lab.plainRegistry(), repo, "3"));
            }
            assertThat(LabSupport.labelledContainers(daemon, OWNER)).isEmpty();
            assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.Phase p && p.message().contains("removed"));
            assertThat(events.events).as("the BuildKit session reaches the sidecar's daemon").noneMatch(e ->
                    e instanceof EngineEvent.Warning w && w.message().contains("BuildKit session"));

            // a new sidecar on the same volume still has the image and its layer cache
            try (ContainerEngine engine = ContainerEngine.connect(dind, new RecordingSink())) {
                assertThat(engine.inspect(tag)).get().extracting(ContainerEngine.ImageInfo::id).isEqualTo(first.imageId());
                BuildResult second = engine.build(BuildRequest.builder(dir).tag(tag).networkMode("none").build());
                assertThat(second.imageId()).isEqualTo(first.imageId());
                assertThat(second.cachedSteps()).as("the RUN step comes from the volume's cache").isGreaterThanOrEqualTo(1);
            }
            assertThat(LabSupport.labelledContainers(daemon, OWNER)).isEmpty();
        } finally {
            daemon.tryRun("volume", "rm", "-f", volume);
        }
    }
}
