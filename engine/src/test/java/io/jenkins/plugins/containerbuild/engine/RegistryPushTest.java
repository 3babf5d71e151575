package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Pushes against the lab's registries: refused without credentials, accepted with them, 404 and 5xx handled. */
class RegistryPushTest {

    private static final Lab lab = Lab.get();
    private static final String KEEP = "registry-push-test:" + LabSupport.unique("keep");
    private static final KeptImages images = new KeptImages(KEEP);

    @AfterAll
    static void removeImage() {
        images.removeAll();
    }

    private String tagged(ContainerEngine engine, Lab.Daemon daemon, String registry, String repo) throws Exception {
        String image = images.on(daemon);
        String ref = registry + "/" + repo + ":1";
        engine.tag(image, ref);
        return ref;
    }

    @ParameterizedTest
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStoreAndPodman")
    void authRegistryRefusesAnonymousPushWithoutRetrying(Lab.Daemon daemon) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("RegistryPushTest"), daemon);
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            String ref = tagged(engine, daemon, lab.authRegistry(), LabSupport.unique("it/anon"));
            Throwable error = catchThrowable(() -> engine.push(PushRequest.builder().tag(ref).retries(3).build()));
            check.assertClean(error, events);
            assertThat(error)
                    .isInstanceOf(RegistryAuthException.class)
                    .hasMessageContaining(lab.authRegistry())
                    .hasMessageContaining("credentials");
            assertThat(events.events).noneMatch(e -> e instanceof EngineEvent.Warning w && w.message().contains("retry"));
            engine.remove(ref);
        }
    }

    @ParameterizedTest
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStoreAndPodman")
    void authRegistryRefusesWrongPassword(Lab.Daemon daemon) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("RegistryPushTest"), daemon);
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            String ref = tagged(engine, daemon, lab.authRegistry(), LabSupport.unique("it/wrong"));
            Throwable error = catchThrowable(() -> engine.push(PushRequest.builder().tag(ref)
                    .credentials(new RegistryCredentials("labuser", "not-the-password")).build()));
            assertThat(error).isInstanceOf(RegistryAuthException.class)
                    .message().doesNotContain("not-the-password");
            for (Throwable t = error; t != null; t = t.getCause()) {
                assertThat(t.toString()).doesNotContain("not-the-password");
            }
            assertThat(events.allText()).doesNotContain("not-the-password");
            check.assertClean(error, events);
            engine.remove(ref);
        }
    }

    @ParameterizedTest
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStoreAndPodman")
    void authAndTlsRegistriesAcceptCredentialsAndThePasswordAppearsNowhere(Lab.Daemon daemon) throws Exception {
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            for (String registry : new String[] {lab.authRegistry(), lab.tlsRegistry()}) {
                String ref = tagged(engine, daemon, registry, LabSupport.unique("it/auth"));
                PushResult result = engine.push(PushRequest.builder().tag(ref).credentials(lab.registryCredentials()).build());
                assertThat(result.digests().get(ref)).startsWith("sha256:").hasSize(71)
                        .isEqualTo(LabSupport.registryDigest(registry, ImageReference.parse(ref).repository(), "1",
                                lab.registryCredentials()));
                engine.remove(ref);
            }
        }
        assertThat(events.allText()).doesNotContain(lab.registryPassword());
        assertThat(lab.registryCredentials().toString()).doesNotContain(lab.registryPassword());
    }

    @ParameterizedTest
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStoreAndPodman")
    void imageMissingOnTheDaemonIsNotFound(Lab.Daemon daemon) throws Exception {
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            String ref = lab.plainRegistry() + "/" + LabSupport.unique("it/absent") + ":1";
            assertThatThrownBy(() -> engine.push(PushRequest.builder().tag(ref).build()))
                    .isInstanceOf(RegistryNotFoundException.class)
                    .hasMessageContaining(ref)
                    .hasMessageContaining("build or tag it");
        }
    }

    /**
     * The containerd image store pulls no layer blob it has a snapshot for already: a base image pulled onto the
     * lab's busybox layer lacks that blob, and the push of a classic build on it fails. The error says the daemon
     * lacks a layer (not that the registry lacks a repository) and what to do; the BuildKit build it advises pushes.
     */
    @org.junit.jupiter.api.Test
    void aLayerMissingFromTheContainerdStoreIsNamedAsSuch(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Lab.Daemon daemon = lab.engine26Containerd();
        String base = lab.plainRegistry() + "/" + LabSupport.unique("it/shared-layers") + ":1";
        String child = lab.plainRegistry() + "/" + LabSupport.unique("it/on-shared-layers") + ":1";
        lab.docker("tag", lab.baseImage(), base); // 20.10's busybox: the same layer as the daemon's, another manifest
        try {
            lab.docker("push", base);
        } finally {
            LabSupport.removeImages(base);
        }
        String classicId = null;
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            daemon.docker("pull", "-q", base);
            LabSupport.context(dir, "FROM " + base + "\nRUN echo " + LabSupport.unique("child") + " > /child\n");
            classicId = engine.build(BuildRequest.builder(dir).builderKind(BuilderKind.CLASSIC).tag(child)
                    .networkMode("none").build()).imageId();
            Throwable refused = catchThrowable(() -> engine.push(PushRequest.builder().tag(child).build()));
            assertThat(refused).isInstanceOf(ContainerEngineException.class)
                    .isNotInstanceOf(RegistryNotFoundException.class)
                    .hasMessageContaining("has image " + child + " but not the content of one of its layers")
                    .hasMessageContaining("content digest sha256:")
                    .hasMessageEndingWith("build the image with BuildKit, which writes that layer anew, and push again.");

            engine.build(BuildRequest.builder(dir).builderKind(BuilderKind.BUILDKIT).tag(child).networkMode("none").build());
            PushResult pushed = engine.push(PushRequest.builder().tag(child).build());
            assertThat(pushed.digests()).containsEntry(child, LabSupport.registryDigest(lab.plainRegistry(),
                    ImageReference.parse(child).repository(), "1"));
        } finally {
            LabSupport.removeImages(daemon, child, classicId, base);
        }
    }

    @ParameterizedTest
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStoreAndPodman")
    void transient5xxIsRetriedAndTheRetrySucceeds(Lab.Daemon daemon) throws Exception {
        RecordingSink events = new RecordingSink();
        String repo = LabSupport.unique("it/flaky");
        try (FlakyRegistryProxy proxy = new FlakyRegistryProxy(lab.plainRegistry(), 2);
             ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            String ref = tagged(engine, daemon, proxy.address(), repo);
            PushResult result = engine.push(PushRequest.builder().tag(ref).retries(3)
                    .initialBackoff(Duration.ofMillis(50)).build());
            assertThat(result.digests().get(ref)).isEqualTo(LabSupport.registryDigest(lab.plainRegistry(), repo, "1"));
            assertThat(proxy.manifestPuts.get()).isEqualTo(3);
            assertThat(events.events).filteredOn(e -> e instanceof EngineEvent.Warning w && w.message().contains("retry"))
                    .hasSize(2);
            engine.remove(ref);
        }
    }

    @ParameterizedTest
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#everyStoreAndPodman")
    void persistent5xxIsReportedAfterTheRetries(Lab.Daemon daemon) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("RegistryPushTest"), daemon);
        RecordingSink events = new RecordingSink();
        try (FlakyRegistryProxy proxy = new FlakyRegistryProxy(lab.plainRegistry(), Integer.MAX_VALUE);
             ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            String ref = tagged(engine, daemon, proxy.address(), LabSupport.unique("it/503"));
            Throwable error = catchThrowable(() -> engine.push(PushRequest.builder().tag(ref).retries(1)
                    .credentials(lab.registryCredentials()).initialBackoff(Duration.ofMillis(50)).build()));
            check.assertClean(error, events);
            assertThat(error)
                    .isInstanceOf(RegistryUnavailableException.class)
                    .hasMessageStartingWith("Registry " + proxy.address())
                    .hasMessageContaining("2 attempt(s)")
                    .hasMessageContaining("503")
                    .hasMessageContaining("try again later");
            assertThat(proxy.manifestPuts.get()).isEqualTo(2);
            engine.remove(ref);
        }
    }
}
