package io.jenkins.plugins.containerbuild.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonProduct;
import io.jenkins.plugins.containerbuild.engine.event.EngineEvent;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import io.jenkins.plugins.containerbuild.engine.reference.ImageReference;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The lab's Podman (4.3, as root, Docker-compatible API on a socket of its own): recognised from its
 * {@code /_ping} reply (the {@code Libpod-Api-Version} its {@code /version} reports as "Podman Engine") and named in
 * the log, builds with Buildah for either builder value, pushes to the loopback registries with
 * {@code tlsVerify=false} and to no other, pulls private base images with {@code X-Registry-Config}, refuses what
 * only BuildKit's session can do, honours network {@code none}, and an abort leaves nothing behind.
 */
@Timeout(300)
class PodmanTest {

    private final Lab lab = Lab.get();
    private final Lab.Daemon podman = lab.podman();

    private String podmanVersion() {
        String v = lab.podmanCli("--version").strip(); // "podman version 4.3.1"
        return v.substring(v.lastIndexOf(' ') + 1);
    }

    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void recognisedFromItsPingAndNamedInTheLogNeverAsBuildKit(BuilderKind kind, @TempDir Path dir) throws Exception {
        String tag = "podman-test/" + LabSupport.unique("named") + ":1";
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nRUN echo built-by-buildah\n");
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(podman.endpoint(), events)) {
            assertThat(engine.daemonProduct()).isEqualTo(new DaemonProduct(DaemonProduct.Kind.PODMAN, podmanVersion()));
            BuildResult built = engine.build(BuildRequest.builder(dir).tag(tag).builderKind(kind).networkMode("none")
                    .build());
            assertThat(built.imageId()).isEqualTo(podman.docker("image", "inspect", "-f", "{{.Id}}", tag).strip());
        } finally {
            LabSupport.removeImages(podman, tag);
        }
        String version = podmanVersion();
        assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.Phase p && p.message().equals("Connected to "
                + podman.endpoint() + " (Podman " + version + ", builds with Buildah; API 1.41)"));
        assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.Phase p
                && p.message().equals("Building " + tag + " with Buildah (Podman " + version + ") on " + podman.endpoint()));
        assertThat(events.allText().toLowerCase(java.util.Locale.ROOT)).doesNotContain("buildkit");
        assertThat(events.events).as("Buildah's STEP lines are steps").anyMatch(e -> e instanceof EngineEvent.StepStarted s
                && s.step().equals("STEP 2/2: RUN echo built-by-buildah"));
        assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.StepOutput o && o.line().equals("built-by-buildah"));
    }

    @Test
    void aDockerEngineIsNotTakenForPodman() throws Exception {
        String version = lab.docker("version", "-f", "{{.Server.Version}}").strip();
        try (ContainerEngine engine = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            assertThat(engine.daemonProduct()).isEqualTo(new DaemonProduct(DaemonProduct.Kind.DOCKER, version));
            assertThat(engine.daemonProduct().toString()).isEqualTo("Docker Engine " + version);
        }
    }

    /**
     * Both builder values build on Podman, and the image goes to the plain registry (no credentials) and to the
     * htpasswd registry (with them, through X-Registry-Auth), each digest the one the registry serves.
     */
    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void buildsAndPushesToThePlainAndTheAuthRegistry(BuilderKind kind, @TempDir Path dir) throws Exception {
        String repo = LabSupport.unique("it/podman-" + kind);
        String plain = lab.plainRegistry() + "/" + repo + ":1";
        String auth = lab.authRegistry() + "/" + repo + ":1";
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nCOPY data /data\nRUN cat /data\n", "data", repo);
        RecordingSink events = new RecordingSink();
        try (ContainerEngine engine = ContainerEngine.connect(podman.endpoint(), events)) {
            BuildResult built = engine.build(BuildRequest.builder(dir).tag(plain).tag(auth).builderKind(kind)
                    .networkMode("none").build());
            assertThat(built.imageId()).startsWith("sha256:").hasSize(71);
            assertThat(built.layers()).extracting(BuildResult.Layer::createdBy).anyMatch(c -> c.contains("cat /data"));

            PushResult toPlain = engine.push(PushRequest.builder().tag(plain).build());
            assertThat(toPlain.digests()).containsEntry(plain, LabSupport.registryDigest(lab.plainRegistry(), repo, "1"));
            PushResult toAuth = engine.push(PushRequest.builder().tag(auth).credentials(lab.registryCredentials()).build());
            assertThat(toAuth.digests()).containsEntry(auth, LabSupport.registryDigest(lab.authRegistry(), repo, "1",
                    lab.registryCredentials()));
            assertThat(toAuth.pushed().get(0).size()).isPositive();
        } finally {
            LabSupport.removeImages(podman, plain, auth);
        }
        assertThat(events.allText()).doesNotContain(lab.registryPassword());
    }

    /**
     * {@code tlsVerify=false} goes with a push to {@code localhost} and 127.0.0.0/8 only. {@code 0.0.0.0} is outside
     * that rule but reaches the same plain HTTP registry on this machine: its push keeps TLS, and so fails as a push
     * to any other registry over plain HTTP would.
     */
    @Test
    void tlsIsTurnedOffForLoopbackRegistriesOnly(@TempDir Path dir) throws Exception {
        String repo = LabSupport.unique("it/podman-tls");
        String port = lab.plainRegistry().substring(lab.plainRegistry().indexOf(':') + 1);
        String byName = "localhost:" + port + "/" + repo + ":1";
        String byAddress = "127.0.0.1:" + port + "/" + repo + ":2";
        String other = "0.0.0.0:" + port + "/" + repo + ":3";
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nCOPY data /data\n", "data", repo);
        try (RecordingSocketProxy proxy = new RecordingSocketProxy(dir.resolve("podman.sock"), podman.socket());
             ContainerEngine engine = ContainerEngine.connect(new DaemonEndpoint.UnixSocket(proxy.socket()),
                     new RecordingSink())) {
            String id = engine.build(BuildRequest.builder(dir).tag(byName).networkMode("none").build()).imageId();
            engine.tag(id, byAddress);
            engine.tag(id, other);
            assertThat(engine.push(PushRequest.builder().tag(byName).build()).digests()).containsKey(byName);
            assertThat(engine.push(PushRequest.builder().tag(byAddress).build()).digests()).containsKey(byAddress);
            Throwable refused = catchThrowable(() -> engine.push(PushRequest.builder().tag(other).retries(0).build()));
            assertThat(refused).isInstanceOf(ContainerEngineException.class)
                    .hasMessageContaining("server gave HTTP response to HTTPS client");

            List<String> pushLines = proxy.sentText().lines().filter(l -> l.startsWith("POST ") && l.contains("/push?"))
                    .toList();
            assertThat(pushLines).anyMatch(l -> l.contains("/images/localhost:" + port + "/" + repo + "/push?tag=1&tlsVerify=false "));
            assertThat(pushLines).anyMatch(l -> l.contains("/images/127.0.0.1:" + port + "/" + repo + "/push?tag=2&tlsVerify=false "));
            assertThat(pushLines).filteredOn(l -> l.contains("tag=3")).isNotEmpty()
                    .allSatisfy(l -> assertThat(l).doesNotContain("tlsVerify"));
        } finally {
            LabSupport.removeImages(podman, byName, byAddress, other);
        }
    }

    /** A DinD sidecar needs a Docker Engine under it: on Podman it is refused before any container is made. */
    @Test
    void aDindSidecarOnPodmanIsRefused() throws Exception {
        String owner = LabSupport.unique("PodmanTest-dind");
        DaemonEndpoint dind = new DaemonEndpoint.Dind(podman.endpoint(),
                io.jenkins.plugins.containerbuild.engine.daemon.DindOptions.of(lab.dindImage()).withOwner(owner));
        Throwable refused = catchThrowable(() -> ContainerEngine.connect(dind, new RecordingSink()).close());
        assertThat(refused).isInstanceOf(ContainerEngineException.class)
                .hasMessage("A DinD sidecar is started on a Docker Engine, and " + podman.endpoint() + " is Podman "
                        + podmanVersion() + ", builds with Buildah: build on Podman itself, or name a Docker daemon"
                        + " for the sidecar.");
        assertThat(LabSupport.labelledContainers(podman, owner)).isEmpty();
    }

    /** What only BuildKit's session serves is refused before anything is sent, naming Podman and what to use. */
    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void buildKitOnlyOptionsAreRefusedNamingPodman(BuilderKind kind, @TempDir Path dir) throws Exception {
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nRUN true\n");
        String version = podmanVersion();
        List<Consumer<BuildRequest.Builder>> options = List.of(
                b -> b.secret("token", "s3cret-value".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                b -> b.sshAgent("default", dir.resolve("agent.sock")),
                b -> b.output(new BuildOutput.Local(dir.resolve("out"))));
        List<String> names = List.of("secrets need", "SSH forwarding needs", "an output needs");
        try (RecordingSocketProxy proxy = new RecordingSocketProxy(dir.resolve("podman.sock"), podman.socket());
             ContainerEngine engine = ContainerEngine.connect(new DaemonEndpoint.UnixSocket(proxy.socket()),
                     new RecordingSink())) {
            for (int i = 0; i < options.size(); i++) {
                BuildRequest.Builder b = BuildRequest.builder(dir).builderKind(kind).networkMode("none");
                options.get(i).accept(b);
                Throwable refused = catchThrowable(() -> engine.build(b.build()));
                assertThat(refused).isInstanceOf(ContainerEngineException.class)
                        .hasMessage("Podman " + version + ", builds with Buildah (unix://" + proxy.socket()
                                + ") has no BuildKit session, which " + names.get(i)
                                + ": build on a Docker Engine daemon with BuildKit (18.09 or later: the agent's Docker"
                                + " socket, a remote one over TCP or a DinD sidecar), or drop "
                                + (i == 0 ? "them." : "it."));
                FaultCheck.assertOneClearError(refused);
                assertThat(refused.getMessage()).doesNotContain("s3cret-value");
            }
            assertThat(proxy.sentText()).as("no build was sent").doesNotContain("/build?").doesNotContain("/session");
            assertThat(dir.resolve("out")).doesNotExist();
        }
    }

    /** Podman's compat build runs RUN steps in the host's network namespace unless told otherwise: none is honoured. */
    @Test
    void networkNoneGivesRunStepsOnlyALoopbackInterfaceAndHostTheHosts(@TempDir Path dir) throws Exception {
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nRUN echo " + LabSupport.unique("nocache")
                + " && cut -d: -f1 /proc/net/dev | tail -n +3 | tr -d ' ' | sort | tr '\\n' , && echo\n");
        Set<String> hostInterfaces;
        try (Stream<String> lines = Files.lines(Path.of("/proc/net/dev"))) {
            hostInterfaces = lines.skip(2).map(l -> l.substring(0, l.indexOf(':')).strip()).collect(Collectors.toSet());
        }
        assertThat(hostInterfaces).as("the control needs an interface besides lo").hasSizeGreaterThan(1);
        for (String mode : List.of("none", "host")) {
            RecordingSink events = new RecordingSink();
            try (ContainerEngine engine = ContainerEngine.connect(podman.endpoint(), events)) {
                String id = engine.build(BuildRequest.builder(dir).networkMode(mode).noCache(true).build()).imageId();
                engine.remove(id);
            }
            String seen = events.events.stream().filter(e -> e instanceof EngineEvent.StepOutput)
                    .map(e -> ((EngineEvent.StepOutput) e).line()).filter(l -> l.endsWith(",")).findFirst().orElseThrow();
            Set<String> interfaces = Set.of(seen.split(","));
            if (mode.equals("none")) {
                assertThat(interfaces).as("network none").containsExactly("lo");
            } else {
                assertThat(interfaces).as("network host").isEqualTo(hostInterfaces);
            }
        }
    }

    /**
     * A private base image in the TLS registry (localhost:5002, TLS verified against the lab CA, login required) is
     * pulled with the credentials given for it, sent as X-Registry-Config for both builder values; without them the
     * pull is refused, and Podman keeps no login for the next build. Podman writes the header's logins to a temporary
     * auth file of its own for the length of the request: none is left in its temporary directory.
     */
    @ParameterizedTest
    @EnumSource(BuilderKind.class)
    void aPrivateBaseImageIsPulledWithXRegistryConfig(BuilderKind kind, @TempDir Path dir) throws Exception {
        String marker = LabSupport.unique("podman-private");
        String base = lab.tlsRegistry() + "/" + LabSupport.unique("it/podman-base") + ":1";
        Path baseDir = Files.createDirectories(dir.resolve("base"));
        LabSupport.context(baseDir, "FROM " + lab.baseImage() + "\nCOPY marker /marker\n", "marker", marker);
        try (ContainerEngine host = ContainerEngine.connect(lab.dood(), new RecordingSink())) {
            String id = host.build(BuildRequest.builder(baseDir).tag(base).networkMode("none").build()).imageId();
            try {
                host.push(PushRequest.builder().tag(base).credentials(lab.registryCredentials()).build());
            } finally {
                host.remove(base);
                host.remove(id);
            }
        }
        Path ctx = Files.createDirectories(dir.resolve("build"));
        LabSupport.context(ctx, "FROM " + base + "\nRUN test \"$(cat /marker)\" = \"" + marker + "\"\n");
        Set<String> tempBefore = podmanTempEntries("auth.json");
        RecordingSink events = new RecordingSink();
        try (RecordingSocketProxy proxy = new RecordingSocketProxy(dir.resolve("podman.sock"), podman.socket());
             ContainerEngine engine = ContainerEngine.connect(new DaemonEndpoint.UnixSocket(proxy.socket()), events)) {
            try {
                BuildRequest.Builder request = BuildRequest.builder(ctx).builderKind(kind).pull(true).networkMode("none");
                Throwable without = catchThrowable(() -> engine.build(request.build()));
                assertThat(without).isInstanceOf(RegistryAuthException.class).hasMessageContaining("give pull credentials");

                BuildResult built = engine.build(BuildRequest.builder(ctx).builderKind(kind).pull(true).networkMode("none")
                        .pullCredentials(lab.tlsRegistry(), lab.registryCredentials()).build());
                assertThat(built.imageId()).startsWith("sha256:");
                engine.remove(built.imageId());
                engine.remove(base);
                assertThat(proxy.sentText()).contains("X-Registry-Config: ");

                Throwable after = catchThrowable(() -> engine.build(request.build()));
                assertThat(after).as("no login kept").isInstanceOf(RegistryAuthException.class);
            } finally {
                engine.remove(base);
            }
        }
        assertThat(events.allText()).doesNotContain(lab.registryPassword());
        assertThat(podmanTempEntries("auth.json")).as("Podman's temporary auth files are gone").isEqualTo(tempBefore);
    }

    /**
     * An abort during a RUN step stops it: Podman itself lets a step run to its end when its client goes, so the
     * engine gave the build a cgroup of its own and kills what runs there (a step run as another user, and a
     * process it started, among them). Then Buildah stops the build (the next step never runs, no image is tagged)
     * and removes its build container and the unpacked context; the runtime removes the cgroup. The base image has
     * a name of the test's own, so that the build container (named after it) is told apart from any other.
     */
    @Test
    void abortStopsTheRunningStepAndLeavesNothingBehind(@TempDir Path dir) throws Exception {
        String base = "localhost/" + LabSupport.unique("podman-abort-base") + ":1";
        String baseName = ImageReference.parse(base).repository();
        String tag = "podman-test/" + LabSupport.unique("aborted") + ":1";
        podman.docker("tag", lab.baseImage(), base);
        Set<String> tempBefore = podmanTempEntries("");
        String marker = LabSupport.unique("podman-abort-marker");
        // long enough that a step left to run to its end fails the test; a child process of the step's shell too
        String sleep = longSleep();
        LabSupport.context(dir, "FROM " + base + "\nUSER 1000:1000\nRUN echo " + marker + " && " + sleep
                + " && echo after-sleep\nRUN echo never\n");
        RecordingSink events = new RecordingSink();
        String cgroup = null;
        try {
            try (ContainerEngine engine = ContainerEngine.connect(podman.endpoint(), events)) {
                AbortWhen.Outcome o = AbortWhen.once(sleepRuns(events, marker, sleep),
                        () -> engine.build(BuildRequest.builder(dir).tag(tag).networkMode("none").build()));
                assertThat(o.thrown()).isInstanceOf(InterruptedException.class);
                assertThat(o.millis()).as("the call ends once the step is stopped").isLessThan(15_000);
                assertThat(StepLeftovers.running(sleep)).as("the RUN step's process is gone when the call ends")
                        .isFalse();
            }
            java.util.regex.Matcher stopped = events.events.stream()
                    .filter(e -> e instanceof EngineEvent.Phase).map(e -> STOPPED.matcher(((EngineEvent.Phase) e).message()))
                    .filter(java.util.regex.Matcher::matches).findFirst().orElseThrow(() -> new AssertionError(
                            "the log says the step was stopped: " + events.allText()));
            assertThat(stopped.group(1)).as("the shell and its sleep").isEqualTo("2 processes");
            cgroup = stopped.group(2);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((!buildContainers(baseName).isEmpty() || !podmanTempEntries("").equals(tempBefore)
                    || !cgroupDirs(cgroup).isEmpty()) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertThat(buildContainers(baseName)).as("Buildah's build container was removed").isEmpty();
            assertThat(podmanTempEntries("")).as("the unpacked context and Buildah's files were removed")
                    .isEqualTo(tempBefore);
            assertThat(cgroupDirs(cgroup)).as("the build's cgroup was removed").isEmpty();
            assertThat(podman.tryRun("image", "inspect", tag).exitCode()).as("no image was tagged %s", tag).isNotZero();
            assertThat(events.events).noneMatch(e -> e instanceof EngineEvent.StepOutput o
                    && (o.line().equals("never") || o.line().equals("after-sleep")));

            Files.writeString(dir.resolve("Dockerfile"), "FROM " + base + "\nRUN echo after-abort\n");
            try (ContainerEngine engine = ContainerEngine.connect(podman.endpoint(), new RecordingSink())) {
                String id = engine.build(BuildRequest.builder(dir).networkMode("none").build()).imageId();
                assertThat(id).startsWith("sha256:");
                engine.remove(id);
            }
        } finally {
            killCgroup(cgroup);
            LabSupport.removeImages(podman, base, tag);
        }
    }

    /** The log line of a stop that ended the step: how many processes, and the build's cgroup. */
    private static final java.util.regex.Pattern STOPPED = java.util.regex.Pattern.compile("Stopped the aborted"
            + " build's RUN step on Podman \\((\\d+ process(?:es)?) in its cgroup (" + PodmanRunStopper.PREFIX
            + "[0-9a-f]{32})(?:, through Buildah's monitor)?\\)");

    /**
     * An engine that may not kill the step's processes (one that runs as another user than they do) signals
     * Buildah's monitor of the step instead, which has the runtime kill the container: the kill is refused here by
     * the test, the monitor and the runtime are Podman's own.
     */
    @Test
    void whereTheStepMayNotBeKilledBuildahsMonitorStopsIt(@TempDir Path dir) throws Exception {
        List<Long> refused = new java.util.concurrent.CopyOnWriteArrayList<>();
        String base = "localhost/" + LabSupport.unique("podman-monitor-base") + ":1";
        String sleep = longSleep();
        RecordingSink events = new RecordingSink();
        AtomicReference<PodmanRunStopper> plan = new AtomicReference<>();
        try {
            abortDuring(dir, base, sleep, events, d -> chosen(plan, PodmanRunStopper.plan(d)
                    .signallingWith(p -> refused.add(p.pid()) && false, ProcessHandle::destroy)));
            assertThat(StepLeftovers.running(sleep)).as("the step's process is gone when the call ends").isFalse();
            assertThat(refused).as("the direct kill was tried first").isNotEmpty();
            assertThat(events.events).anyMatch(e -> e instanceof EngineEvent.Phase p
                    && p.message().equals("Stopped the aborted build's RUN step on Podman (2 processes in its cgroup "
                    + plan.get().marker() + ", through Buildah's monitor)"));
            awaitNoBuildContainerOrCgroup(ImageReference.parse(base).repository(), plan.get().marker());
        } finally {
            killCgroup(plan.get() == null ? null : plan.get().marker());
            LabSupport.removeImages(podman, base);
        }
    }

    /**
     * An engine that may signal neither the step's processes nor their monitor (the agent runs as another user than
     * a root Podman service) says so at once, naming the processes and how to stop them, and does not wait.
     */
    @Test
    void whereNothingMayBeSignalledTheLogSaysWhatToDo(@TempDir Path dir) throws Exception {
        String base = "localhost/" + LabSupport.unique("podman-refused-base") + ":1";
        String sleep = longSleep();
        RecordingSink events = new RecordingSink();
        AtomicReference<PodmanRunStopper> plan = new AtomicReference<>();
        try {
            long took = abortDuring(dir, base, sleep, events, d -> chosen(plan, PodmanRunStopper.plan(d)
                    .signallingWith(p -> false, p -> false)));
            assertThat(took).as("no waiting for what cannot change").isLessThan(4_000);
            assertThat(StepLeftovers.running(sleep)).as("the step still runs").isTrue();
            EngineEvent.Warning w = (EngineEvent.Warning) events.events.stream()
                    .filter(e -> e instanceof EngineEvent.Warning x && x.message().startsWith("The aborted build's RUN"))
                    .findFirst().orElseThrow();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("The aborted build's RUN step could not be"
                    + " stopped: processes \\[[0-9, ]+\\] in its cgroup " + plan.get().marker() + " go on: they"
                    + " run as a user this engine may not signal \\(the engine runs as uid 0\\); run the agent as the"
                    + " Podman service's user, or stop them on the host \\(kill -9 ([0-9 ]+)\\)\\.").matcher(w.message());
            assertThat(m.matches()).as(w.message()).isTrue();
            List<String> pids = List.of(m.group(1).split(" "));
            assertThat(pids).as("the shell and its sleep").hasSize(2);
            List<String> kill = new java.util.ArrayList<>(List.of("kill", "-9"));
            kill.addAll(pids);
            // what the log tells the user to do; the shell is the init of the step's PID namespace, so the kernel may
            // have killed the sleep with it before kill comes to the sleep ("No such process", exit 1)
            Lab.Result killed = Lab.exec(kill, null, false);
            assertThat(killed.exitCode() == 0 || killed.stderr().contains("No such process")).as(killed.stderr()).isTrue();
            awaitNoBuildContainerOrCgroup(ImageReference.parse(base).repository(), plan.get().marker());
            assertThat(StepLeftovers.running(sleep)).isFalse();
        } finally {
            killCgroup(plan.get() == null ? null : plan.get().marker()); // what this test left running, when it failed
            LabSupport.removeImages(podman, base);
        }
    }

    private static PodmanRunStopper chosen(AtomicReference<PodmanRunStopper> into, PodmanRunStopper plan) {
        into.set(plan);
        return plan;
    }

    /** Kills every process in the build cgroup {@code name} (null: none known), when a test failed half-way. */
    private static void killCgroup(String name) throws IOException {
        if (name == null) {
            return;
        }
        for (Path cgroup : cgroupDirs(name)) {
            Path procs = cgroup.resolve("cgroup.procs");
            if (Files.exists(procs)) {
                for (String pid : Files.readAllLines(procs)) {
                    ProcessHandle.of(Long.parseLong(pid.strip())).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }
    }

    private static String longSleep() {
        return "sleep " + (300 + new java.util.Random().nextInt(100)) + "." + (100 + new java.util.Random().nextInt(900));
    }

    /**
     * Builds {@code RUN echo MARKER && SLEEP && echo after} from {@code base} (the lab's busybox tagged so) with the
     * stop plan given, aborts once the marker is printed and the sleep runs, and returns how long the call took
     * after the abort.
     */
    private long abortDuring(Path dir, String base, String sleep, RecordingSink events,
                             java.util.function.Function<io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection,
                                     PodmanRunStopper> plan) throws Exception {
        podman.docker("tag", lab.baseImage(), base);
        String marker = LabSupport.unique("podman-abort-marker");
        // the shell waits for its sleep (busybox's sh would exec a last command in its place)
        LabSupport.context(dir, "FROM " + base + "\nRUN echo " + marker + " && " + sleep + " && echo after\n");
        try (io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection c =
                     io.jenkins.plugins.containerbuild.engine.daemon.DaemonConnection.open(podman.endpoint(),
                             io.jenkins.plugins.containerbuild.engine.daemon.Timeouts.defaults())) {
            BuildImageStep step = new BuildImageStep(c, BuildRequest.builder(dir).networkMode("none").build(), events,
                    plan);
            AbortWhen.Outcome o = AbortWhen.once(sleepRuns(events, marker, sleep), step::call);
            assertThat(o.thrown()).isInstanceOf(InterruptedException.class);
            return o.millis();
        }
    }

    /**
     * Whether the step has printed its marker and its shell has started the sleep: aborting on the marker alone
     * could kill the shell before it forks, so that one process (not the two the tests count) was stopped.
     */
    private static java.util.function.BooleanSupplier sleepRuns(RecordingSink events, String marker, String sleep) {
        return () -> events.events.stream().anyMatch(e -> e instanceof EngineEvent.StepOutput out
                && out.line().contains(marker)) && StepLeftovers.running(sleep);
    }

    private void awaitNoBuildContainerOrCgroup(String baseName, String cgroup) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while ((!buildContainers(baseName).isEmpty() || !cgroupDirs(cgroup).isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertThat(buildContainers(baseName)).as("Buildah's build container was removed").isEmpty();
        assertThat(cgroupDirs(cgroup)).as("the build's cgroup was removed").isEmpty();
    }

    /**
     * Each build's RUN steps run in a cgroup of the build's own (the one an abort stops), beside the Podman
     * service's as Buildah's default cgroup is, which the runtime removes with the step's container: none is left
     * after the build.
     */
    @Test
    void runStepsRunInACgroupOfTheBuildsOwnThatGoesWithThem(@TempDir Path dir) throws Exception {
        LabSupport.context(dir, "FROM " + lab.baseImage() + "\nRUN echo " + LabSupport.unique("nocache")
                + " && grep pids /proc/self/cgroup\nRUN grep pids /proc/self/cgroup\n");
        RecordingSink events = new RecordingSink();
        String id;
        try (ContainerEngine engine = ContainerEngine.connect(podman.endpoint(), events)) {
            id = engine.build(BuildRequest.builder(dir).networkMode("none").noCache(true).build()).imageId();
            engine.remove(id);
        }
        List<String> cgroups = events.events.stream().filter(e -> e instanceof EngineEvent.StepOutput)
                .map(e -> ((EngineEvent.StepOutput) e).line()).filter(l -> l.contains(":pids:")).toList();
        assertThat(cgroups).hasSize(2);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\d+:pids:(?:/[^/]+)*/(" + PodmanRunStopper.PREFIX
                + "[0-9a-f]{32})").matcher(cgroups.get(0));
        assertThat(m.matches()).as(cgroups.get(0)).isTrue();
        assertThat(cgroups.get(1)).as("one cgroup for the whole build").isEqualTo(cgroups.get(0));
        assertThat(cgroupDirs(m.group(1))).as("the cgroup went with the steps").isEmpty();
    }

    /** The directories of the cgroup {@code name} on this host, in any hierarchy and at any depth (cgroup v1 here). */
    private static List<Path> cgroupDirs(String name) throws IOException {
        try (Stream<Path> all = Files.find(Path.of("/sys/fs/cgroup"), 12,
                (p, attrs) -> attrs.isDirectory() && p.getFileName().toString().equals(name))) {
            return all.toList();
        } catch (java.io.UncheckedIOException gone) {
            return cgroupDirs(name); // a cgroup removed while the tree was walked: walk again
        }
    }

    /** Buildah's containers (not Podman's own, which the Docker API lists) made from {@code baseName}. */
    private List<String> buildContainers(String baseName) {
        return lab.podmanCli("ps", "-a", "--external", "--format", "{{.ID}} {{.Names}}").lines()
                .filter(l -> l.contains(baseName)).toList(); // the image column may show another tag of the image
    }

    /**
     * Podman's temporary entries whose names start with {@code prefix}, except the digest files its compat push
     * writes there and never removes (Podman's own leftover, empty or holding a digest).
     */
    private Set<String> podmanTempEntries(String prefix) throws IOException {
        try (Stream<Path> entries = Files.list(lab.podmanTempDir())) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(prefix))
                    .filter(n -> !n.startsWith("digest.txt")).collect(Collectors.toSet());
        }
    }
}
