package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonProduct;
import io.jenkins.plugins.containerbuild.engine.daemon.PodmanSocket;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Rootless Podman: the lab's user {@code cbpodman}, with subordinate ids, runs the service on its
 * {@code $XDG_RUNTIME_DIR/podman/podman.sock}. Found from that user's environment as Podman's tools find it, it
 * builds with either builder value inside a user namespace (root in the build is the user, not the host's root)
 * and pushes to the plain and the htpasswd registries.
 */
@Timeout(300)
class PodmanRootlessTest {

    private final Lab lab = Lab.get();

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void foundInTheUsersRuntimeDirectoryBuildsInAUserNamespaceAndPushes(BuilderKind kind, @TempDir Path dir)
            throws Exception {
        DaemonEndpoint found = PodmanSocket.find(Map.of("XDG_RUNTIME_DIR", lab.podmanRootlessRuntimeDir().toString(),
                "HOME", "/nonexistent"), false);
        assertThat(found).isEqualTo(lab.podmanRootless().endpoint());

        String repo = LabSupport.unique("it/podman-rootless-" + kind);
        String plain = lab.plainRegistry() + "/" + repo + ":1";
        String auth = lab.authRegistry() + "/" + repo + ":1";
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nCOPY data /data\n"
                + "RUN echo " + LabSupport.unique("nocache") + " && echo \"uid map: $(head -n 1 /proc/self/uid_map"
                + " | tr -s ' ' | sed 's/^ //')\"\n", "data", repo);
        String rootlessUid = Lab.exec(List.of("id", "-u", "cbpodman"), null, true).stdout().strip();
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(found, events)) {
            assertThat(engine.daemonProduct().kind()).isEqualTo(DaemonProduct.Kind.PODMAN);
            BuildResult built = engine.build(BuildRequest.builder(dir).tag(plain).tag(auth).builderKind(kind)
                    .networkMode("none").build());
            assertThat(built.imageId()).startsWith("sha256:");
            assertThat(events.events).as("root in the build is the rootless user on the host")
                    .anyMatch(e -> e instanceof EngineEvent.StepOutput o && o.line().equals("uid map: 0 " + rootlessUid + " 1"));

            assertThat(engine.push(PushRequest.builder().tag(plain).build()).digests())
                    .containsEntry(plain, LabSupport.registryDigest(lab.plainRegistry(), repo, "1"));
            assertThat(engine.push(PushRequest.builder().tag(auth).credentials(lab.registryCredentials()).build())
                    .digests()).containsEntry(auth, LabSupport.registryDigest(lab.authRegistry(), repo, "1",
                    lab.registryCredentials()));
        } finally {
            LabSupport.removeImages(lab.podmanRootless(), plain, auth);
        }
        assertThat(events.allText()).doesNotContain(lab.registryPassword());
        assertThat(lab.docker("image", "ls", "-q", plain).strip()).as("nothing of it on the host daemon").isEmpty();
    }

    /**
     * Rootless Podman on this machine (cgroup v1, the cgroupfs manager) runs builds in the service's own cgroup, so
     * the engine cannot tell this build's processes from others' and asks for no cgroup: an abort ends the call at
     * once, the log says that the running step goes on to its end and why, and then Buildah stops the build.
     */
    @org.junit.jupiter.api.Test
    void anAbortSaysWhyTheRunningStepGoesOnAndBuildahThenStopsTheBuild(@TempDir Path dir) throws Exception {
        String base = uniqueBase("rootless-abort-base");
        String marker = LabSupport.unique("rootless-abort-marker");
        String sleep = "sleep " + (4 + new java.util.Random().nextInt(3)) + "." + (100 + new java.util.Random().nextInt(900));
        LabSupport.context(dir, "FROM " + base + "\nRUN echo " + marker + " && " + sleep + "\nRUN echo never\n");
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(lab.podmanRootless().endpoint(), events)) {
            AbortWhen.Outcome o = AbortWhen.run(events,
                    e -> e instanceof EngineEvent.StepOutput out && out.line().contains(marker),
                    () -> engine.build(BuildRequest.builder(dir).networkMode("none").build()));
            assertThat(o.thrown()).isInstanceOf(InterruptedException.class);
            assertThat(o.millis()).as("the call ends at once").isLessThan(4_000);
        }
        assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.Warning w && w.message().equals("The running"
                + " RUN step of the aborted build, if one was running, goes on to its end on Podman (rootless Podman"
                + " with the cgroup manager cgroupfs on cgroup v1 runs builds in its own cgroup, where the engine cannot tell"
                + " this build's processes from others'); Buildah then stops the build. A step that never ends has to"
                + " be stopped on the Podman host."));
        long deadline = System.nanoTime() + 60_000_000_000L;
        try {
            while ((StepLeftovers.running(sleep) || !buildContainers(base).isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(StepLeftovers.running(sleep)).as("the step ended by itself").isFalse();
            assertThat(buildContainers(base)).as("Buildah removed its build container").isEmpty();
        } finally {
            LabSupport.removeImages(lab.podmanRootless(), base);
        }
    }

    /** The lab's busybox under a name of the test's own, so that Buildah's build container is told apart by it. */
    private String uniqueBase(String name) {
        String base = "localhost/" + LabSupport.unique(name) + ":1";
        lab.podmanRootless().docker("tag", lab.baseImage(), base);
        return base;
    }

    /** Buildah's containers on the rootless Podman made from {@code base} (the Docker API does not list them). */
    private List<String> buildContainers(String base) {
        String name = io.jenkins.plugins.containerbuild.engine.reference.ImageReference.parse(base).repository();
        return Lab.exec(List.of(lab.fact("LAB_PODMAN_ROOTLESS_CLI"), "ps", "-a", "--external", "--format",
                "{{.ID}} {{.Names}}"), null, true).stdout().lines().filter(l -> l.contains(name)).toList();
    }

    /**
     * A runtime that refuses the cgroup the engine asks for (here rootless runc on cgroup v1, given the cgroup a
     * root's service gets: "mkdir /sys/fs/cgroup/...: permission denied") fails before the step's command runs; the
     * build is run again without a cgroup, and the log says that an abort then cannot stop a step.
     */
    @org.junit.jupiter.api.Test
    void aRuntimeThatRefusesTheBuildsCgroupHasTheBuildRunAgainWithoutOne(@TempDir Path dir) throws Exception {
        String line = LabSupport.unique("ran-once");
        String base = uniqueBase("rootless-refused-base");
        LabSupport.context(dir, "FROM " + base + "\nRUN echo " + line + "\n");
        String marker = PodmanRunStopper.PREFIX + "00112233445566778899aabbccddeeff";
        com.fasterxml.jackson.databind.JsonNode asIfRootful = Json.read(
                "{\"host\":{\"cgroupManager\":\"cgroupfs\",\"cgroupVersion\":\"v1\",\"security\":{\"rootless\":false}}}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        RecordingSink events = new RecordingSink();
        String id;
        try (io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection c =
                     io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection.open(lab.podmanRootless().endpoint(),
                             io.jenkins.plugins.containerbuild.engine.daemon.Timeouts.defaults())) {
            id = new BuildImageStep(c, BuildRequest.builder(dir).networkMode("none").build(), events,
                    d -> PodmanRunStopper.decide(d.endpoint().toString(), asIfRootful, marker, Path.of("/proc")))
                    .call().imageId();
        }
        try {
            assertThat(id).startsWith("sha256:");
            assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.Warning w && w.message().equals(
                    "Podman's OCI runtime on " + lab.podmanRootless().endpoint() + " refused the build a cgroup of its"
                            + " own (" + marker + "): building again without one; an abort then cannot stop a running"
                            + " RUN step."));
            assertThat(events.events.stream().filter(e -> e instanceof EngineEvent.StepOutput o && o.line().equals(line)))
                    .as("the step's command ran once, in the second build").hasSize(1);
            assertThat(buildContainers(base)).as("the refused attempt left no build container").isEmpty();
        } finally {
            LabSupport.removeImages(lab.podmanRootless(), id, base);
        }
    }
}
