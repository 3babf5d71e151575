package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DindOptions;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Await;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Interrupting the caller stops the work on the daemon and reaches the caller as an InterruptedException. */
class AbortTest {

    private final Lab lab = Lab.get();

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#fullWithBuilders")
    void abortMidBuildStopsTheStepOnTheDaemon(Lab.Daemon daemon, BuilderKind kind, @TempDir Path dir) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("AbortTest"), daemon);
        String marker = LabSupport.unique("abort-marker");
        // a sleep of its own length, so that no other build's process is taken for this one
        String sleep = "sleep " + (100_000 + new java.util.Random().nextInt(800_000));
        LabSupport.context(dir, "FROM " + daemon.baseImage() + "\nRUN echo " + marker + " && " + sleep + "\n");
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            AbortWhen.Outcome o = AbortWhen.run(events,
                    e -> e instanceof EngineEvent.StepOutput out && out.line().contains(marker),
                    () -> engine.build(BuildRequest.builder(dir).builderKind(kind).networkMode("none").build()));
            assertThat(o.thrown()).isInstanceOf(InterruptedException.class);
            assertThat(o.millis()).as("abort is prompt").isLessThan(20_000);
        }
        // nothing of the step still runs on the daemon: no container and no process with the marker
        Await.holdsWithin(Await.DAEMON,
                () -> !StepLeftovers.running(sleep) && buildContainers(daemon, sleep).isEmpty());
        assertThat(StepLeftovers.running(sleep)).as("the RUN step's process was stopped").isFalse();
        assertThat(buildContainers(daemon, sleep)).as("the classic builder's container was removed").isEmpty();
        check.assertNothingLeft();

        // and the daemon builds normally afterwards
        Files.writeString(dir.resolve("Dockerfile"), "FROM " + daemon.baseImage() + "\nRUN echo after-abort\n");
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            BuildResult ok = engine.build(BuildRequest.builder(dir).builderKind(kind).networkMode("none").build());
            assertThat(ok.imageId()).startsWith("sha256:");
        }
    }

    /**
     * An abort while a layer is uploaded (the slowed proxy sees the upload) ends the push call at once and the daemon
     * gives the push up: no manifest reaches the registry once the slowed uploads are through. Podman (root's and
     * the rootless one) too: it gives a push up itself, unlike a running step.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#fullAndPodman")
    void abortMidPushStopsThePush(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("AbortTest"), daemon);
        LabSupport.context(dir, "FROM " + daemon.baseImage() + "\nCOPY blob /blob\n", "blob", LabSupport.unique("blob"));
        String repo = LabSupport.unique("it/abort-push");
        RecordingSink events = new RecordingSink();
        try (FlakyRegistryProxy slow = new FlakyRegistryProxy(lab.plainRegistry(), 0).slowBlobUploads(5_000);
             ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            String tag = slow.address() + "/" + repo + ":1";
            try {
                engine.build(BuildRequest.builder(dir).tag(tag).networkMode("none").build());
                AbortWhen.Outcome o = AbortWhen.once(() -> slow.blobUploadsInFlight.get() > 0,
                        () -> engine.push(PushRequest.builder().tag(tag).credentials(lab.registryCredentials()).build()));
                assertThat(o.thrown()).isInstanceOf(InterruptedException.class);
                check.assertNoCredential(o.thrown(), events);
                assertThat(o.millis()).as("abort is prompt").isLessThan(4_000);
                assertThat(events.events).noneMatch(e -> e instanceof EngineEvent.Phase p && p.message().startsWith("Pushed"));
                // once the slowed uploads are through, a push still running would send its manifest at once;
                // watched for a while, none comes (a slow machine can only hide a fault here, never make one up)
                Await.until("the slowed blob uploads are through", Await.DAEMON,
                        () -> slow.blobUploadsInFlight.get() == 0);
                assertThat(Await.holdsWithin(java.time.Duration.ofSeconds(3), () -> slow.manifestPuts.get() > 0))
                        .as("a manifest after the abort: the daemon did not give up the push").isFalse();

                // the next push succeeds
                slow.slowBlobUploads(0);
                PushResult again = engine.push(PushRequest.builder().tag(tag).build());
                assertThat(again.digests()).containsEntry(tag, LabSupport.registryDigest(lab.plainRegistry(), repo, "1"));
            } finally {
                LabSupport.removeImages(daemon, tag);
            }
        }
        check.assertNothingLeft();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#full")
    void abortMidBuildInDindRemovesTheSidecar(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        String owner = LabSupport.unique("AbortTest");
        FaultCheck check = FaultCheck.begin(owner, daemon);
        String sleep = "sleep " + (100_000 + new java.util.Random().nextInt(800_000));
        LabSupport.context(dir, "FROM " + lab.registryBaseImage() + "\nRUN echo dind-abort-marker && " + sleep + "\n");
        DaemonEndpoint dind = new DaemonEndpoint.Dind(daemon.endpoint(), DindOptions.of(lab.dindImage())
                .withSecurity(DindOptions.SecurityProfile.CAPABILITIES).withOwner(owner));
        RecordingSink events = new RecordingSink();
        AbortWhen.Outcome o = AbortWhen.run(events,
                e -> e instanceof EngineEvent.StepOutput out && out.line().contains("dind-abort-marker"),
                () -> {
                    try (ContainerEngine engine = ContainerEngine.connect(dind, events)) {
                        engine.build(BuildRequest.builder(dir).networkMode("none").build());
                    }
                });
        assertThat(o.thrown()).isInstanceOf(InterruptedException.class);
        assertThat(LabSupport.labelledContainers(daemon, owner)).as("the sidecar is gone").isEmpty();
        Await.holdsWithin(Await.DAEMON, () -> !StepLeftovers.running(sleep));
        assertThat(StepLeftovers.running(sleep)).as("the step inside the sidecar was stopped with it").isFalse();
        assertThat(daemon.docker("volume", "ls", "-q", "--filter", "dangling=true").lines()
                .filter(v -> daemon.docker("volume", "inspect", "-f", "{{.Labels}}", v).contains(owner))).isEmpty();
        check.assertNoCredential(o.thrown(), events);
        check.assertNothingLeft();
        FaultCheck.assertNextBuildSucceeds(dind, lab.registryBaseImage(), dir);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#full")
    void abortWhileTheDindSidecarStartsRemovesIt(Lab.Daemon daemon) throws Exception {
        String owner = LabSupport.unique("AbortTest-start");
        FaultCheck check = FaultCheck.begin(owner, daemon);
        DaemonEndpoint dind = new DaemonEndpoint.Dind(daemon.endpoint(), DindOptions.of(lab.dindImage())
                .withSecurity(DindOptions.SecurityProfile.CAPABILITIES).withOwner(owner));
        RecordingSink events = new RecordingSink();
        AbortWhen.Outcome o = AbortWhen.run(events,
                e -> e instanceof EngineEvent.Phase p && p.message().startsWith("Starting DinD sidecar"),
                () -> ContainerEngine.connect(dind, events).close());
        assertThat(o.thrown()).isInstanceOf(InterruptedException.class);
        assertThat(LabSupport.labelledContainers(daemon, owner)).isEmpty();
        check.assertNothingLeft();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#full")
    void interruptBeforeTheCallStartsIsKept(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        LabSupport.context(dir, "FROM " + daemon.baseImage() + "\n");
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            Thread.currentThread().interrupt();
            try {
                engine.build(BuildRequest.builder(dir).build());
                throw new AssertionError("an interrupted caller must not build");
            } catch (InterruptedException expected) {
                assertThat(expected).hasMessageContaining("aborted");
            } finally {
                Thread.interrupted();
            }
        }
    }

    /** This build's containers: those whose command holds its step's unique sleep (other tests use the daemon). */
    private static java.util.List<String> buildContainers(Lab.Daemon daemon, String sleep) {
        return daemon.docker("ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Command}}").lines()
                .filter(l -> l.contains(sleep)).toList();
    }

    /**
     * An abort while the daemon is still fetching the context through the BuildKit session: the session and the
     * build request are closed, the daemon gives up the transfer, and the next build of the same directory works.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("io.jenkins.plugins.containerbuild.engine.LabDaemons#full")
    void abortWhileTheSessionTransfersTheContext(Lab.Daemon daemon, @TempDir Path dir) throws Exception {
        FaultCheck check = FaultCheck.begin(LabSupport.unique("AbortTest-session"), daemon);
        byte[] chunk = new byte[1024 * 1024];
        java.util.Random random = new java.util.Random();
        for (int f = 0; f < 24; f++) { // 384 MiB of incompressible data: seconds to transfer on this machine
            try (java.io.OutputStream out = Files.newOutputStream(dir.resolve("blob" + f))) {
                for (int i = 0; i < 16; i++) {
                    random.nextBytes(chunk);
                    out.write(chunk);
                }
            }
        }
        Files.writeString(dir.resolve("Dockerfile"), "FROM " + daemon.baseImage() + "\nCOPY . /ctx/\n");
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), events)) {
            AbortWhen.Outcome o = AbortWhen.run(events,
                    e -> e instanceof EngineEvent.Progress p && p.status().startsWith("transferring context")
                            && p.current() > 1024 * 1024,
                    () -> engine.build(BuildRequest.builder(dir).networkMode("none").build()));
            assertThat(o.thrown()).isInstanceOf(InterruptedException.class);
            assertThat(o.millis()).as("abort is prompt").isLessThan(20_000);
        }
        check.assertNothingLeft();
        // the next build of the same directory (the same session key) completes
        for (int f = 1; f < 24; f++) {
            Files.delete(dir.resolve("blob" + f));
        }
        try (ContainerEngine engine = ContainerEngine.connect(daemon.endpoint(), new RecordingSink())) {
            BuildResult after = engine.build(BuildRequest.builder(dir).networkMode("none").build());
            assertThat(after.imageId()).startsWith("sha256:");
            engine.remove(after.imageId());
        }
    }
}
