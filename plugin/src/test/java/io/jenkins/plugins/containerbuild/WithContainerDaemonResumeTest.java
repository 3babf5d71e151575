package io.jenkins.plugins.containerbuild;

import static io.jenkins.plugins.containerbuild.WithContainerDaemonTest.dind;
import static io.jenkins.plugins.containerbuild.WithContainerDaemonTest.sidecarsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.doReturn;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.spy;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import hudson.AbortException;
import hudson.FilePath;
import hudson.remoting.Channel;
import io.jenkins.plugins.containerbuild.engine.lab.Lab;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.mockito.ArgumentCaptor;

/**
 * {@code withContainerDaemon} across a restart of Jenkins, with fakes at the Jenkins boundary and the lab's daemon
 * underneath: the agent's connection to the controller drops (the agent lets the sidecar go and leaves it running),
 * the execution is saved and loaded as Jenkins does with a running Pipeline, and resumed over a new connection. It
 * finds the sidecar again and the steps inside go on using it, or, when the sidecar is gone, it ends the body at once
 * saying why. Either way nothing is left at the end.
 */
@ExtendWith(JenkinsStatics.class)
class WithContainerDaemonResumeTest {

    @TempDir
    Path workspace;

    private final Lab lab = Lab.get();
    /** This test's own run, so that its sidecars (labelled with it) are told apart from other runs on the lab. */
    private final String runId = "containerbuild-plugin-resume-" + Fixtures.unique() + "#1";

    private StepHarness harness() throws Exception {
        StepHarness h = new StepHarness(workspace);
        org.mockito.Mockito.when(h.run.getExternalizableId()).thenReturn(runId);
        return h;
    }

    /**
     * What Jenkins keeps of a running execution across a restart: its fields that are not transient, through Java
     * serialization (as the Pipeline's {@code program.dat}), into an execution whose context is {@code context}.
     */
    private static WithContainerDaemonStep.Execution savedAndLoaded(WithContainerDaemonStep.Execution running,
                                                                    StepContext context) throws Exception {
        WithContainerDaemonStep.Execution saved = new WithContainerDaemonStep.Execution(context, null);
        for (Field f : WithContainerDaemonStep.Execution.class.getDeclaredFields()) {
            if (!Modifier.isStatic(f.getModifiers()) && !Modifier.isTransient(f.getModifiers())) {
                f.setAccessible(true);
                f.set(saved, f.get(running));
            }
        }
        byte[] bytes = StepHarness.serialize(saved);
        assertThat(new String(bytes, StandardCharsets.ISO_8859_1)).as("nothing secret is saved")
                .doesNotContain("PRIVATE KEY").doesNotContain("CERTIFICATE");
        WithContainerDaemonStep.Execution loaded = spy(StepHarness.roundTrip(saved));
        doReturn(context).when(loaded).getContext();
        return loaded;
    }

    /** The block's sidecar, its agent's connection to the controller dropped as when Jenkins stops. */
    private WithContainerDaemonTest.Block begunThenDisconnected(StepHarness harness) throws Exception {
        Channel channel = mock(Channel.class);
        harness.channel = channel;
        WithContainerDaemonTest.Block block = new WithContainerDaemonTest.Block(harness, dind(null));
        block.begin(harness);
        assertThat(sidecarsOf(harness)).hasSize(1);
        ArgumentCaptor<Channel.Listener> listener = ArgumentCaptor.forClass(Channel.Listener.class);
        verify(channel).addListener(listener.capture());
        listener.getValue().onClosed(channel, new IOException("Jenkins is restarting"));
        return block;
    }

    @Test
    void afterARestartTheResumedBlockFindsItsSidecarAgainAndItsStepsUseIt() throws Exception {
        String id = Fixtures.unique();
        Files.writeString(workspace.resolve("Dockerfile"), "FROM " + lab.registryBaseImage() + "\nLABEL resumed=" + id + "\n");
        StepHarness before = harness();
        StepHarness after = harness();
        after.channel = mock(Channel.class);
        try {
            WithContainerDaemonTest.Block block = begunThenDisconnected(before);
            String sidecar = sidecarsOf(before).get(0);
            assertThat(sidecarsOf(before)).as("left running while Jenkins is away").containsExactly(sidecar);

            WithContainerDaemonStep.Execution resumed = savedAndLoaded(block.execution, after.context);
            resumed.resume(); // what onResume() runs on a thread of its own
            assertThat(after.log()).contains("Found the block's DinD sidecar " + sidecar.substring(0, 12) + " again");

            // the body's steps go on with the block's daemon, as the body's context (saved with it) names it
            after.block = before.block;
            ContainerBuildStep build = new ContainerBuildStep();
            build.setNetwork("none");
            assertThat(after.build(build).getImageId()).startsWith("sha256:");
            assertThat(after.log()).contains("Connected to DinD sidecar " + sidecar);
            assertThat(sidecarsOf(after)).as("the same sidecar").containsExactly(sidecar);
            assertThat(lab.docker("image", "ls", "-q", "--filter", "label=resumed=" + id).strip())
                    .as("built in the sidecar, not on the host").isEmpty();

            resumed.end(after.context);
            assertThat(sidecarsOf(after)).as("removed when the body ended").isEmpty();
        } finally {
            sidecarsOf(before).forEach(c -> lab.docker("rm", "-fv", c));
        }
    }

    /** Resumed before its agent reconnected: the block waits, and the first step inside finds the sidecar itself. */
    @Test
    void whenTheAgentComesBackAfterTheResumeTheFirstStepFindsTheSidecar() throws Exception {
        String id = Fixtures.unique();
        Files.writeString(workspace.resolve("Dockerfile"), "FROM " + lab.registryBaseImage() + "\nLABEL later=" + id
                + "\n");
        StepHarness before = harness();
        StepHarness after = harness();
        after.channel = mock(Channel.class);
        try {
            WithContainerDaemonTest.Block block = begunThenDisconnected(before);
            String sidecar = sidecarsOf(before).get(0);
            WithContainerDaemonStep.Execution resumed = savedAndLoaded(block.execution, after.context);
            when(after.context.get(FilePath.class)).thenReturn(null); // the agent is not connected yet
            resumed.resume();
            assertThat(after.log()).contains("The agent is not connected yet: the block's DinD sidecar will be looked"
                    + " for when a step inside uses it.");
            assertThat(cancelledWith(resumed)).isNull();

            when(after.context.get(FilePath.class)).thenReturn(after.filePath); // it is back
            after.block = before.block;
            ContainerBuildStep build = new ContainerBuildStep();
            build.setNetwork("none");
            assertThat(after.build(build).getImageId()).startsWith("sha256:");
            assertThat(after.log()).contains("Connected to DinD sidecar " + sidecar);
            assertThat(sidecarsOf(after)).containsExactly(sidecar);

            resumed.end(after.context);
            assertThat(sidecarsOf(after)).isEmpty();
        } finally {
            sidecarsOf(before).forEach(c -> lab.docker("rm", "-fv", c));
        }
    }

    @Test
    void aSidecarRemovedWhileJenkinsWasAwayEndsTheBlockAtOnceSayingWhy() throws Exception {
        StepHarness before = harness();
        StepHarness after = harness();
        try {
            WithContainerDaemonTest.Block block = begunThenDisconnected(before);
            String sidecar = sidecarsOf(before).get(0);
            lab.docker("rm", "-fv", sidecar); // someone, or a janitor, while Jenkins was down

            WithContainerDaemonStep.Execution resumed = savedAndLoaded(block.execution, after.context);
            resumed.resume();
            Throwable cancelled = cancelledWith(resumed);
            assertThat(cancelled).as("the body is ended at once").isInstanceOf(AbortException.class)
                    .hasMessageStartingWith("The DinD sidecar of the withContainerDaemon block cannot be used after"
                            + " Jenkins restarted or the agent reconnected: The DinD sidecar " + sidecar.substring(0, 12)
                            + " is not on unix://" + lab.hostSocket())
                    .hasMessageEndingWith("or run the build again.");
            assertThat(after.log()).contains("is not on unix://" + lab.hostSocket());

            // the body's end, which follows, only notes that nothing was left
            resumed.end(after.context);
            assertThat(sidecarsOf(after)).isEmpty();
        } finally {
            sidecarsOf(before).forEach(c -> lab.docker("rm", "-fv", c));
        }
    }

    @Test
    void aSidecarThatStoppedWhileJenkinsWasAwayIsRemovedAndEndsTheBlock() throws Exception {
        StepHarness before = harness();
        StepHarness after = harness();
        try {
            WithContainerDaemonTest.Block block = begunThenDisconnected(before);
            String sidecar = sidecarsOf(before).get(0);
            lab.docker("kill", sidecar);

            WithContainerDaemonStep.Execution resumed = savedAndLoaded(block.execution, after.context);
            resumed.resume();
            assertThat(after.log()).contains("The DinD sidecar " + sidecar.substring(0, 12) + " stopped");
            assertThat(sidecarsOf(after)).as("removed").isEmpty();
            assertThat(cancelledWith(resumed))
                    .isInstanceOf(AbortException.class);
        } finally {
            sidecarsOf(before).forEach(c -> lab.docker("rm", "-fv", c));
        }
    }

    /**
     * A block saved by the plugin before it recorded its sidecar: Java serialization leaves the new field null and the
     * key field holds the engine's label, as then. Resumed, it ends at once saying it cannot be found again; its end
     * still removes the sidecar by that label.
     */
    @Test
    void aBlockSavedBeforeItsSidecarWasRecordedEndsAtOnceAndItsSidecarStillGoes() throws Exception {
        StepHarness before = harness();
        StepHarness after = harness();
        try {
            WithContainerDaemonTest.Block block = begunThenDisconnected(before);
            Field blockField = WithContainerDaemonStep.Execution.class.getDeclaredField("block");
            blockField.setAccessible(true);
            BlockDaemon daemon = (BlockDaemon) blockField.get(block.execution);
            String label = daemon.ref().label();
            Field ref = BlockDaemon.class.getDeclaredField("ref");
            ref.setAccessible(true);
            ref.set(daemon, null);
            Field sidecar = BlockDaemon.class.getDeclaredField("sidecar");
            sidecar.setAccessible(true);
            sidecar.set(daemon, label);

            WithContainerDaemonStep.Execution resumed = savedAndLoaded(block.execution, after.context);
            resumed.resume();
            assertThat(cancelledWith(resumed))
                    .isInstanceOf(AbortException.class).hasMessage("This withContainerDaemon block began before the"
                            + " plugin recorded its DinD sidecar, so it cannot be found again after a restart: run the"
                            + " build again.");
            assertThat(sidecarsOf(after)).as("still there until the block ends").hasSize(1);

            resumed.end(after.context);
            assertThat(sidecarsOf(after)).as("removed by its label").isEmpty();
            assertThat(after.log()).contains("no longer kept on this agent");
        } finally {
            sidecarsOf(before).forEach(c -> lab.docker("rm", "-fv", c));
        }
    }

    /** What the resumed execution ended its body with, if anything. */
    private static Throwable cancelledWith(WithContainerDaemonStep.Execution resumed) throws Exception {
        Field body = WithContainerDaemonStep.Execution.class.getDeclaredField("body");
        body.setAccessible(true);
        return ((WithContainerDaemonTest.RecordingBody) body.get(resumed)).cancelledWith;
    }
}
