package io.jenkins.plugins.containerbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.mockStatic;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import com.cloudbees.plugins.credentials.CredentialsProvider;
import hudson.AbortException;
import hudson.remoting.Channel;
import io.jenkins.plugins.containerbuild.engine.daemon.TlsMaterial;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials;
import org.jenkinsci.plugins.workflow.steps.BodyExecution;
import org.jenkinsci.plugins.workflow.steps.BodyExecutionCallback;
import org.jenkinsci.plugins.workflow.steps.BodyInvoker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.ArgumentCaptor;
import org.mockito.MockedStatic;

/**
 * {@code withContainerDaemon}: the block's execution as Jenkins would run it, with fakes at the Jenkins boundary (the
 * context, the body invoker, the channel) and the lab's daemon underneath. One DinD sidecar serves the steps of the
 * body and is removed when the body ends, when a step inside fails or is aborted, when the block is stopped, and
 * when the agent's connection to the controller closes; a second block on the same cache volume fails clearly; a
 * non-DinD daemon is handed to the steps as their own.
 */
@ExtendWith(JenkinsStatics.class)
class WithContainerDaemonTest {

    private static final String OWNER_LABEL = "io.jenkins.containerbuild.owner";

    private static final Lab lab = Lab.get();

    @TempDir
    Path workspace;

    /** A block's execution over {@code harness}, its body started by a fake invoker that records what it got. */
    static final class Block {
        final WithContainerDaemonStep.Execution execution;
        final AtomicReference<Object> bodyContext = new AtomicReference<>();
        /** Every value given to the body's context, in order. */
        final List<Object> bodyContexts = new java.util.concurrent.CopyOnWriteArrayList<>();
        final AtomicReference<BodyExecutionCallback> callback = new AtomicReference<>();

        Block(StepHarness harness, DaemonSpec daemon) {
            BodyInvoker invoker = mock(BodyInvoker.class);
            when(invoker.withContext(any())).thenAnswer(i -> {
                bodyContexts.add(i.getArgument(0));
                if (i.getArgument(0) instanceof BlockDaemon) {
                    bodyContext.set(i.getArgument(0));
                }
                return invoker;
            });
            when(invoker.withCallback(any(BodyExecutionCallback.class))).thenAnswer(i -> {
                callback.set(i.getArgument(0));
                return invoker;
            });
            when(invoker.start()).thenReturn(new RecordingBody());
            when(harness.context.newBodyInvoker()).thenReturn(invoker);
            WithContainerDaemonStep.Execution e = spy(new WithContainerDaemonStep.Execution(harness.context,
                    new WithContainerDaemonStep(daemon)));
            doReturn(harness.context).when(e).getContext();
            execution = e;
        }

        /** What {@code start()} runs on a thread of its own; the body's context value goes to the harness's steps. */
        BlockDaemon begin(StepHarness harness) throws Exception {
            execution.begin();
            assertThat(bodyContext.get()).isInstanceOf(BlockDaemon.class);
            harness.block = (BlockDaemon) bodyContext.get();
            return harness.block;
        }

        /** What the body's end (success or failure) runs through the callback, off the Pipeline thread. */
        void end(StepHarness harness) throws Exception {
            assertThat(callback.get()).isInstanceOf(WithContainerDaemonStep.Execution.Callback.class);
            ((WithContainerDaemonStep.Execution.Callback) callback.get()).finished(harness.context);
        }
    }

    /** A body as Jenkins saves it with the Pipeline (serializable), which records how it was cancelled. */
    static final class RecordingBody extends BodyExecution {
        private static final long serialVersionUID = 1L;
        volatile Throwable cancelledWith;

        @Override
        public boolean cancel(Throwable t) {
            cancelledWith = t;
            return true;
        }

        @Override
        public boolean cancel(boolean mayInterrupt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isCancelled() {
            return cancelledWith != null;
        }

        @Override
        public boolean isDone() {
            return false;
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }

    static DindDaemon dind(String volume) {
        DindDaemon d = new DindDaemon(lab.dindImage());
        d.setCacheVolume(volume);
        d.setSecurity("capabilities");
        d.setSocket("unix://" + lab.hostSocket());
        return d;
    }

    static List<String> sidecarsOf(StepHarness harness) {
        return lab.docker("ps", "-aq", "--filter", "label=" + OWNER_LABEL + "=" + harness.run.getExternalizableId())
                .lines().filter(l -> !l.isBlank()).toList();
    }

    private static String jobVolume(StepHarness harness, String volume) {
        String id = harness.run.getExternalizableId();
        return DindImages.jobVolume(id.substring(0, id.lastIndexOf('#')), volume);
    }

    @Test
    void oneSidecarServesEveryStepOfTheBodyAndGoesWhenItEnds() throws Exception {
        String id = Fixtures.unique();
        String volume = "cb-block-" + id;
        String tag = lab.plainRegistry() + "/containerbuild-plugin/block-" + id + ":1";
        Fixtures.context(workspace, "app", lab.registryBaseImage(), "block-" + id);
        Files.writeString(Files.createDirectories(workspace.resolve("broken")).resolve("Dockerfile"),
                "FROM " + lab.registryBaseImage() + "\nRUN echo failing-" + id + " && exit 3\n");
        StepHarness harness = new StepHarness(workspace);
        Block block = new Block(harness, dind(volume));
        try {
            BlockDaemon daemon = block.begin(harness);
            assertThat(daemon.isKeptSidecar()).isTrue();
            List<String> sidecars = sidecarsOf(harness);
            assertThat(sidecars).as("one sidecar, started before the body").hasSize(1);
            String sidecar = sidecars.get(0);
            // what Jenkins saves with the Pipeline names the sidecar, and holds nothing of its TLS identity
            assertThat(new String(StepHarness.serialize(daemon), StandardCharsets.ISO_8859_1))
                    .doesNotContain("PRIVATE KEY").doesNotContain("CERTIFICATE");

            // the body: a failing build, a build and the push of its image, none naming a daemon
            ContainerBuildStep broken = new ContainerBuildStep();
            broken.setContext("broken");
            broken.setNetwork("none");
            assertThatThrownBy(() -> harness.build(broken)).isInstanceOf(AbortException.class)
                    .hasMessageContaining("exit code: 3");
            ContainerBuildStep build = new ContainerBuildStep();
            build.setContext("app");
            build.setTags(List.of(tag));
            build.setNetwork("none");
            BuiltImage image = harness.build(build);
            ContainerPushStep push = new ContainerPushStep();
            push.setImage(image);
            Map<String, String> digests = harness.push(push);
            assertThat(digests.get(tag)).startsWith("sha256:");
            assertThat(sidecarsOf(harness)).as("the same sidecar throughout").containsExactly(sidecar);
            assertThat(lab.docker("image", "ls", "-q", tag).strip()).as("built in the sidecar, not on the host")
                    .isEmpty();
            assertThat(harness.log()).contains("Connected to DinD sidecar " + sidecar, "block-" + id);
            assertThat(harness.log().split("Starting DinD sidecar", -1)).as("started once").hasSize(2);
            for (byte[] sent : harness.wire) {
                assertThat(new String(sent, StandardCharsets.ISO_8859_1)).as("no TLS key travels")
                        .doesNotContain("PRIVATE KEY");
            }

            block.end(harness);
            assertThat(sidecarsOf(harness)).as("removed when the body ended").isEmpty();
            assertThat(harness.log()).contains("DinD sidecar " + sidecar + " removed");
            assertThat(KeptSidecars.keeps(daemon.sidecar())).isFalse();
        } finally {
            sidecarsOf(harness).forEach(c -> lab.docker("rm", "-fv", c));
            lab.run(null, "volume", "rm", "-f", jobVolume(harness, volume));
        }
    }

    @Test
    void aStepAbortedInsideAndAStoppedBlockLeaveNoSidecar() throws Exception {
        String id = Fixtures.unique();
        Files.writeString(workspace.resolve("Dockerfile"), "FROM " + lab.registryBaseImage() + "\n"
                + "RUN echo sleeping-" + id + " && sleep 60\n");
        StepHarness harness = new StepHarness(workspace);
        Block block = new Block(harness, dind(null));
        try {
            block.begin(harness);
            assertThat(sidecarsOf(harness)).hasSize(1);
            ContainerBuildStep build = new ContainerBuildStep();
            build.setNetwork("none");
            // abort the build inside, as stopping the build interrupts the step's thread
            CompletableFuture<Throwable> failed = new CompletableFuture<>();
            Thread step = new Thread(() -> {
                try {
                    harness.build(build);
                    failed.complete(null);
                } catch (Throwable t) {
                    failed.complete(t);
                }
            });
            step.start();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!harness.log().contains("sleeping-" + id) && System.nanoTime() < deadline) {
                Thread.sleep(100); // poll interval; the deadline bounds the wait
            }
            assertThat(harness.log()).contains("sleeping-" + id);
            step.interrupt();
            assertThat(failed.get(60, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
            assertThat(sidecarsOf(harness)).as("an aborted step leaves the block's sidecar").hasSize(1);

            // then the block itself is stopped: it asks the agent to remove the sidecar without waiting
            Exception cause = new InterruptedException("aborted by a user");
            // the stand-in's super.stop cannot stop anything; the removal was sent before it
            assertThatThrownBy(() -> block.execution.stop(cause)).isInstanceOf(UnsupportedOperationException.class);
            verify(harness.filePath).actAsync(any(ReleaseSidecarCallable.class));
            assertThat(sidecarsOf(harness)).as("removed when the block was stopped").isEmpty();

            // and the body's end, which follows, does not try again
            int sent = harness.wire.size();
            block.end(harness);
            assertThat(harness.wire).hasSize(sent);
        } finally {
            sidecarsOf(harness).forEach(c -> lab.docker("rm", "-fv", c));
        }
    }

    /**
     * Jenkins restarting closes the agent's connection to the controller: the agent lets the block's sidecar go but
     * leaves it running (the resumed block finds it again: {@link WithContainerDaemonResumeTest}), where it used to
     * remove it and so fail the first step after the restart.
     */
    @Test
    void theSidecarOutlivesTheAgentsConnectionToTheController() throws Exception {
        StepHarness harness = new StepHarness(workspace);
        when(harness.run.getExternalizableId()).thenReturn("containerbuild-plugin-" + Fixtures.unique() + "#1");
        Channel channel = mock(Channel.class);
        harness.channel = channel;
        Block block = new Block(harness, dind(null));
        try {
            BlockDaemon daemon = block.begin(harness);
            List<String> sidecars = sidecarsOf(harness);
            assertThat(sidecars).hasSize(1);
            ArgumentCaptor<Channel.Listener> listener = ArgumentCaptor.forClass(Channel.Listener.class);
            verify(channel).addListener(listener.capture());

            listener.getValue().onClosed(channel, new java.io.IOException("connection to the controller lost"));
            assertThat(KeptSidecars.keeps(daemon.sidecar())).as("let go").isFalse();
            assertThat(sidecarsOf(harness)).as("still there").isEqualTo(sidecars);
            assertThat(lab.docker("inspect", "-f", "{{.State.Running}}", sidecars.get(0)).strip()).isEqualTo("true");

            // the block's end removes it all the same
            block.end(harness);
            assertThat(sidecarsOf(harness)).as("removed at the end").isEmpty();
        } finally {
            sidecarsOf(harness).forEach(c -> lab.docker("rm", "-fv", c));
        }
    }

    /**
     * A stop that comes while the block starts, after the agent kept the sidecar but before the execution learnt of
     * it: the sidecar goes, and no body starts. ({@code GeneralNonBlockingStepExecution} would turn the start's later
     * callbacks into no-ops, so nothing else would release it until the agent disconnects.)
     */
    @Test
    void aStopAfterTheAgentKeptTheSidecarButBeforeTheBlockKnewItLeavesNoSidecar() throws Exception {
        StepHarness harness = new StepHarness(workspace);
        when(harness.run.getExternalizableId()).thenReturn("containerbuild-plugin-" + Fixtures.unique() + "#1");
        Block block = new Block(harness, dind(null));
        doAnswer(i -> {
            Object started = harness.actOnAgent(i.getArgument(0));
            assertThat(sidecarsOf(harness)).as("kept on the agent").hasSize(1);
            // the stand-in's super.stop cannot stop anything; what the block sent comes before it
            assertThatThrownBy(() -> block.execution.stop(new InterruptedException("aborted by a user")))
                    .isInstanceOf(UnsupportedOperationException.class);
            return started;
        }).when(harness.filePath).act(any(StartSidecarCallable.class));
        try {
            try {
                block.execution.begin();
            } catch (AbortException e) {
                // either way: what matters is that nothing is left and no body started
            }
            assertThat(sidecarsOf(harness)).as("removed").isEmpty();
            assertThat(block.callback.get()).as("no body started").isNull();
        } finally {
            sidecarsOf(harness).forEach(c -> lab.docker("rm", "-fv", c));
        }
    }

    /** The same stop, arriving on the agent before the start: no sidecar is started at all. */
    @Test
    void aStopBeforeTheAgentStartsTheSidecarStartsNone() throws Exception {
        StepHarness harness = new StepHarness(workspace);
        when(harness.run.getExternalizableId()).thenReturn("containerbuild-plugin-" + Fixtures.unique() + "#1");
        Block block = new Block(harness, dind(null));
        doAnswer(i -> {
            assertThatThrownBy(() -> block.execution.stop(new InterruptedException("aborted by a user")))
                    .isInstanceOf(UnsupportedOperationException.class);
            return harness.actOnAgent(i.getArgument(0));
        }).when(harness.filePath).act(any(StartSidecarCallable.class));
        try {
            assertThatThrownBy(block.execution::begin).isInstanceOf(AbortException.class)
                    .hasMessage("The withContainerDaemon block was stopped while its DinD sidecar started; the sidecar"
                            + " was removed.");
            assertThat(sidecarsOf(harness)).isEmpty();
            assertThat(harness.log()).doesNotContain("Starting DinD sidecar");
            assertThat(block.callback.get()).isNull();
        } finally {
            sidecarsOf(harness).forEach(c -> lab.docker("rm", "-fv", c));
        }
    }

    /**
     * The same stop, reaching the agent while the sidecar starts (after the start looked for a release, before it
     * kept the sidecar): the start removes its sidecar instead of keeping it.
     */
    @Test
    void aReleaseThatArrivesWhileTheSidecarStartsRemovesItOnceStarted() throws Exception {
        String owner = "containerbuild-plugin-" + Fixtures.unique() + "#1";
        io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint.Dind endpoint =
                (io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint.Dind) ResolvedDaemon.dind(
                        lab.hostSocket().toString(), lab.dindImage(), null, "capabilities", owner).endpoint();
        String key = java.util.UUID.randomUUID().toString();
        CapturingListener listener = new CapturingListener();
        BuildLog log = new BuildLog(listener.getLogger(), WithContainerDaemonStep.FUNCTION_NAME, List.of());
        try {
            io.jenkins.plugins.containerbuild.engine.SharedSidecar sidecar =
                    io.jenkins.plugins.containerbuild.engine.SharedSidecar.start(endpoint,
                            io.jenkins.plugins.containerbuild.engine.daemon.Timeouts.defaults(), log);
            assertThat(KeptSidecars.release(key)).as("not kept yet").isFalse();
            assertThatThrownBy(() -> KeptSidecars.keep(key, sidecar, null)).isInstanceOf(AbortException.class)
                    .hasMessageContaining("was stopped while its DinD sidecar started");
            assertThat(KeptSidecars.keeps(key)).isFalse();
            assertThat(lab.docker("ps", "-aq", "--filter", "label=" + OWNER_LABEL + "=" + owner).strip()).isEmpty();
        } finally {
            lab.docker("ps", "-aq", "--filter", "label=" + OWNER_LABEL + "=" + owner).lines()
                    .filter(c -> !c.isBlank()).forEach(c -> lab.docker("rm", "-fv", c));
        }
    }

    @Test
    void aSecondBlockOnTheSameCacheVolumeFailsClearly() throws Exception {
        String volume = "cb-block-" + Fixtures.unique();
        StepHarness first = new StepHarness(workspace);
        StepHarness second = new StepHarness(workspace);
        when(second.run.getExternalizableId()).thenReturn("containerbuild-plugin-test#2");
        Block one = new Block(first, dind(volume));
        Block two = new Block(second, dind(volume));
        try {
            one.begin(first);
            String sidecar = sidecarsOf(first).get(0);
            assertThatThrownBy(() -> two.begin(second)).isInstanceOf(AbortException.class)
                    .hasMessageContaining("The cache volume " + jobVolume(first, volume) + " is in use by the DinD"
                            + " sidecar " + sidecar + " of containerbuild-plugin-test#1")
                    .hasMessageContaining("another cache volume");
            assertThat(two.callback.get()).as("no body ran").isNull();
            assertThat(sidecarsOf(second)).isEmpty();
            one.end(first);
            assertThat(sidecarsOf(first)).isEmpty();
        } finally {
            sidecarsOf(first).forEach(c -> lab.docker("rm", "-fv", c));
            sidecarsOf(second).forEach(c -> lab.docker("rm", "-fv", c));
            lab.run(null, "volume", "rm", "-f", jobVolume(first, volume));
        }
    }

    @Test
    void anyOtherDaemonIsHandedToTheStepsAsTheirOwnWithoutItsSecrets() throws Exception {
        String id = Fixtures.unique();
        Fixtures.context(workspace, ".", lab.baseImage(), "tls-block-" + id);
        StepHarness harness = new StepHarness(workspace);
        TlsMaterial tls = lab.clientTls();
        try (MockedStatic<CredentialsProvider> provider = mockStatic(CredentialsProvider.class)) {
            DockerServerCredentials credentials = Fixtures.tlsCredentials(provider, "tls", tls);
            TcpDaemon tcp = new TcpDaemon(lab.tlsUri().toString());
            tcp.setCredentialsId("tls");
            Block block = new Block(harness, tcp);

            BlockDaemon daemon = block.begin(harness);
            assertThat(daemon.isKeptSidecar()).isFalse();
            assertThat(new String(StepHarness.serialize(daemon), StandardCharsets.ISO_8859_1))
                    .as("the saved block names the credentials, never their key").contains("tls")
                    .doesNotContain("PRIVATE KEY");
            ContainerBuildStep build = new ContainerBuildStep();
            build.setNetwork("none");
            assertThat(harness.build(build).getImageId()).startsWith("sha256:");
            // a step with a daemon of its own keeps it
            ContainerBuildStep own = new ContainerBuildStep();
            own.setNetwork("none");
            own.setDaemon(new DoodDaemon());
            assertThat(harness.build(own).getImageId()).startsWith("sha256:");
            block.end(harness);
            assertThat(harness.wire.stream().filter(w -> new String(w, StandardCharsets.ISO_8859_1)
                    .contains("ReleaseSidecarCallable"))).as("nothing to release").isEmpty();
        }
        assertThat(harness.log()).contains("The steps inside that name no daemon use " + lab.tlsUri() + " (TLS)",
                "Connected to " + lab.tlsUri() + " (TLS)", "Connected to unix:///var/run/docker.sock",
                "tls-block-" + id);
        assertThat(harness.log()).doesNotContain("PRIVATE KEY");
    }

    @Test
    void aPodmanBlockNeedsNoCodeOfItsOwn() throws Exception {
        String id = Fixtures.unique();
        String tag = lab.plainRegistry() + "/containerbuild-plugin/block-podman-" + id + ":1";
        Fixtures.context(workspace, ".", lab.baseImage(), "podman-block-" + id);
        StepHarness harness = new StepHarness(workspace);
        PodmanDaemon podman = new PodmanDaemon();
        podman.setSocket("unix://" + lab.podman().socket());
        Block block = new Block(harness, podman);
        try {
            BlockDaemon daemon = block.begin(harness);
            assertThat(daemon.isKeptSidecar()).isFalse();
            ContainerBuildStep build = new ContainerBuildStep();
            build.setTags(List.of(tag));
            build.setNetwork("none");
            BuiltImage image = harness.build(build);
            ContainerPushStep push = new ContainerPushStep();
            push.setImage(image);
            assertThat(harness.push(push).get(tag)).startsWith("sha256:");
            block.end(harness);
        } finally {
            lab.podman().tryRun("rmi", "-f", tag);
        }
        assertThat(harness.log()).contains("The steps inside that name no daemon use Podman on unix://"
                + lab.podman().socket(), "with Buildah (Podman ", "podman-block-" + id,
                "[containerPush] Pushed " + tag);
    }

    @Test
    void aForbiddenStepDaemonForbidsTheBlocksToo() throws Exception {
        JenkinsStatics.configuration().setForbidStepDaemons(true);
        StepHarness harness = new StepHarness(workspace);
        Block block = new Block(harness, new DoodDaemon());
        assertThatThrownBy(() -> block.begin(harness)).isInstanceOf(AbortException.class)
                .hasMessageContaining("does not allow a step to choose its Docker daemon");
    }

    /**
     * The freestyle step used as a Pipeline metastep ({@code containerBuildAndPush}) cannot take the block's daemon
     * from the body's context: inside a block, with no daemon of its own, it refuses instead of building on the global
     * default daemon. The block marks its body's environment for that.
     */
    @Test
    void containerBuildAndPushInsideABlockRefusesRatherThanUseTheGlobalDefault() throws Exception {
        Files.writeString(workspace.resolve("Dockerfile"), "FROM " + lab.baseImage() + "\n");
        StepHarness harness = new StepHarness(workspace);
        DoodDaemon dood = new DoodDaemon();
        dood.setSocket("unix://" + lab.hostSocket());
        Block block = new Block(harness, dood);
        block.begin(harness);
        hudson.EnvVars env = spy(new hudson.EnvVars());
        doAnswer(i -> i.getArgument(0)).when(env).expand(any());
        for (Object value : block.bodyContexts) {
            if (value instanceof org.jenkinsci.plugins.workflow.steps.EnvironmentExpander expander) {
                expander.expand(env);
            }
        }
        ContainerBuildBuilder builder = new ContainerBuildBuilder();
        String tag = "containerbuild-plugin/never-built-" + Fixtures.unique() + ":1";
        builder.setTags(tag);
        builder.setNetwork("none");
        try {
            assertThatThrownBy(() -> builder.perform(harness.run, harness.filePath, env,
                    mock(hudson.Launcher.class), harness.listener)).isInstanceOf(AbortException.class)
                    .hasMessageContaining("containerBuildAndPush cannot use the daemon of the withContainerDaemon"
                            + " block it runs in (unix://" + lab.hostSocket() + ")")
                    .hasMessageContaining("use containerBuild and containerPush inside the block");
            assertThat(harness.wire).as("nothing was sent to the agent").isEmpty();
            block.end(harness);
        } finally {
            if (!lab.docker("image", "ls", "-q", tag).isBlank()) { // built by a builder that ignored the block
                lab.docker("image", "rm", "-f", tag);
            }
        }
    }
}
