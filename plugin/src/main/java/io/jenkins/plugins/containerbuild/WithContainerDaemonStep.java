package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.IOException;
import java.io.Serial;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.jenkinsci.Symbol;
import org.jenkinsci.plugins.workflow.steps.BodyExecution;
import org.jenkinsci.plugins.workflow.steps.EnvironmentExpander;
import org.jenkinsci.plugins.workflow.steps.GeneralNonBlockingStepExecution;
import org.jenkinsci.plugins.workflow.steps.Step;
import org.jenkinsci.plugins.workflow.steps.StepContext;
import org.jenkinsci.plugins.workflow.steps.StepDescriptor;
import org.jenkinsci.plugins.workflow.steps.StepExecution;
import org.kohsuke.stapler.DataBoundConstructor;

/**
 * {@code withContainerDaemon(DAEMON) { ... }}: one daemon for a block of steps. The {@code containerBuild} and
 * {@code containerPush} steps inside that name no {@code daemon:} use it. For {@code dind(...)} one sidecar is
 * started on the agent for the whole block (so a build and the push of its image share it), and removed when the
 * body ends, fails or is aborted; the agent keeps and removes it ({@link KeptSidecars}), so that it goes even when
 * the controller does not come back to say so. Any other kind ({@code dood}, {@code tcp}, and kinds added later) is
 * simply handed to the steps, which connect to it as if they named it themselves.
 */
public final class WithContainerDaemonStep extends Step {

    static final String FUNCTION_NAME = "withContainerDaemon";

    /**
     * Set in the body's environment to the block's daemon (as the log names it, no secret): the freestyle step used
     * as a metastep ({@code containerBuildAndPush}) cannot read the body's context, so this is how it knows it runs in
     * a block whose daemon it cannot use ({@link ContainerBuildBuilder#perform}).
     */
    static final String BLOCK_VARIABLE = "CONTAINER_BUILD_BLOCK_DAEMON";

    private final DaemonSpec daemon;

    /** @param daemon the block's daemon; {@code globalDefault()} (or null) for the global default daemon */
    @DataBoundConstructor
    public WithContainerDaemonStep(DaemonSpec daemon) {
        this.daemon = GlobalDefaultDaemon.orNull(daemon);
    }

    /** The block's daemon; null for the global default. */
    public DaemonSpec getDaemon() {
        return daemon;
    }

    @Override
    public StepExecution start(StepContext context) throws Exception {
        return new Execution(context, this);
    }

    /**
     * Opens the block's daemon off the Pipeline thread, runs the body with it in the body's context, and closes it
     * when the body has ended. What it keeps ({@link BlockDaemon}) is saved with the Pipeline and holds no secret;
     * resumed after a restart of Jenkins, it finds the block's sidecar again on the agent ({@link #resume}).
     */
    static final class Execution extends GeneralNonBlockingStepExecution {

        @Serial
        private static final long serialVersionUID = 1L;

        private final transient WithContainerDaemonStep step;
        /**
         * The name the agent keeps the block's sidecar under, chosen before the agent is asked to start one, so that
         * a stop that comes before the start's answer can still release it; null before {@link #begin}.
         */
        private volatile String key;
        /** Set once the daemon is open; null before. */
        private volatile BlockDaemon block;
        /** The running body, to end it when its sidecar cannot be found after a restart; null before it started. */
        private volatile BodyExecution body;
        /** Whether the sidecar's removal was asked for (the body ended, or the step was stopped). */
        private boolean released;
        /** Whether the step was stopped; then {@link #begin} starts no body. */
        private volatile boolean stopped;

        Execution(StepContext context, WithContainerDaemonStep step) {
            super(context);
            this.step = step;
        }

        @Override
        public boolean start() {
            run(this::begin);
            return false;
        }

        /** Opens the daemon and starts the body; runs on a thread of its own. */
        void begin() throws Exception {
            StepContext context = getContext();
            Run<?, ?> run = context.get(Run.class);
            FilePath workspace = context.get(FilePath.class);
            TaskListener listener = context.get(TaskListener.class);
            key = UUID.randomUUID().toString();
            block = open(step.getDaemon(), key, run, workspace, listener);
            if (stopped) { // stop() came while the daemon opened: it may not have known the sidecar yet
                boolean interrupted = Thread.interrupted(); // the stop interrupts this thread; the release must go
                try {
                    release(context, false);
                } finally {
                    if (interrupted) {
                        Thread.currentThread().interrupt();
                    }
                }
                return;
            }
            EnvironmentExpander marker = new BlockMarker(block.toString());
            EnvironmentExpander outer = context.get(EnvironmentExpander.class);
            body = context.newBodyInvoker().withContext(block)
                    .withContext(outer == null ? marker : EnvironmentExpander.merge(outer, marker))
                    .withCallback(new Callback()).start();
        }

        /**
         * Resumed after Jenkins restarted: asks the agent to find the block's sidecar again, off the Pipeline thread.
         * The agent let it go, not removed it, when its connection to the old controller closed.
         */
        @Override
        public void onResume() {
            super.onResume();
            BlockDaemon b = block;
            if (b != null && b.isKeptSidecar() && !isReleased()) {
                run(this::resume);
            }
        }

        /**
         * Finds the sidecar on the agent again, so the steps inside use it as before; when it cannot be used (it was
         * removed, stopped, or its agent process ended), ends the body at once with why. An agent not connected yet is
         * no failure: the first step inside looks for the sidecar itself.
         */
        void resume() throws Exception {
            StepContext context = getContext();
            TaskListener listener = context.get(TaskListener.class);
            BuildLog log = new BuildLog(listener.getLogger(), FUNCTION_NAME, List.of());
            FilePath workspace = context.get(FilePath.class);
            if (workspace == null) {
                log.line(Messages.WithContainerDaemonStep_ResumeLater());
                return;
            }
            try {
                workspace.act(new AdoptSidecarCallable(block.ref(), listener));
            } catch (AbortException e) {
                log.line(e.getMessage());
                BodyExecution b = body;
                if (b != null) { // null only in a block saved before it was kept; its steps say the sidecar is gone
                    b.cancel(e);
                }
            } catch (IOException e) { // the agent's connection is not back yet
                log.line(Messages.WithContainerDaemonStep_ResumeLater());
            }
        }

        /**
         * Stopped while the body runs (Jenkins usually stops the step inside the body instead, and the body's end
         * then releases the sidecar through {@link Callback}), or while the daemon opens: asks the agent to remove the
         * sidecar without waiting for it, then stops. While the daemon opens the sidecar may already be kept on the
         * agent though its start has not answered yet: it is released by its key, and a start still under way
         * removes it when it ends.
         */
        @Override
        public void stop(Throwable cause) throws Exception {
            stopped = true;
            try {
                release(getContext(), true);
            } catch (IOException | InterruptedException | RuntimeException e) {
                // the agent removes it when its connection ends: stopping must not wait for that
            }
            super.stop(cause);
        }

        /**
         * Asks the agent to remove the block's sidecar, once: by what identifies it once it started, else by its key
         * alone (a start under way). Nothing for a block that keeps no sidecar.
         */
        private void release(StepContext context, boolean async) throws IOException, InterruptedException {
            BlockDaemon b = block;
            String k = key;
            SidecarRef ref = b != null ? b.ref() : k != null ? new SidecarRef(k, null, null, null, null, null) : null;
            if (ref == null || !claimRelease()) {
                return;
            }
            ReleaseSidecarCallable release = new ReleaseSidecarCallable(ref, context.get(TaskListener.class));
            if (async) {
                context.get(FilePath.class).actAsync(release);
            } else {
                context.get(FilePath.class).act(release);
            }
        }

        /** Whether this call is the first to release the block's sidecar. */
        private synchronized boolean claimRelease() {
            boolean first = !released;
            released = true;
            return first;
        }

        private synchronized boolean isReleased() {
            return released;
        }

        /** The body has ended (successfully or not): removes the sidecar on the agent; runs on a thread of its own. */
        void end(StepContext context) throws IOException, InterruptedException {
            try {
                release(context, false);
            } catch (IOException e) { // the agent is gone: the sidecar goes with its process, or when it comes back
                new BuildLog(context.get(TaskListener.class).getLogger(), FUNCTION_NAME, List.of())
                        .line(Messages.WithContainerDaemonStep_ReleaseFailed(e.getMessage()));
            }
        }

        /** Calls {@link #end} when the body has ended, then ends the step with the body's result. */
        final class Callback extends TailCall {

            @Serial
            private static final long serialVersionUID = 1L;

            @Override
            protected void finished(StepContext context) throws Exception {
                end(context);
            }
        }
    }

    /** Sets {@link #BLOCK_VARIABLE} in the body's environment. */
    static final class BlockMarker extends EnvironmentExpander {

        @Serial
        private static final long serialVersionUID = 1L;

        private final String daemon;

        BlockMarker(String daemon) {
            this.daemon = daemon;
        }

        @Override
        public void expand(EnvVars env) {
            env.put(BLOCK_VARIABLE, daemon);
        }
    }

    /**
     * The block's daemon, opened: for DinD, a sidecar started on the agent and kept there under {@code key}; for any
     * other kind, the daemon choice itself, checked by resolving it once (credentials, allowed images) so that a bad
     * one fails before the body runs. Runs on the controller.
     */
    static BlockDaemon open(DaemonSpec daemon, String key, Run<?, ?> run, FilePath workspace, TaskListener listener)
            throws IOException, InterruptedException {
        DaemonSpec spec = ContainerBuildConfiguration.daemonFor(daemon);
        ResolvedDaemon resolved = spec.resolve(run);
        if (resolved.kind() == ResolvedDaemon.Kind.DIND) {
            SidecarRef sidecar = workspace.act(new StartSidecarCallable(resolved, key, listener));
            return BlockDaemon.keptSidecar(sidecar, resolved.toString());
        }
        new BuildLog(listener.getLogger(), FUNCTION_NAME, resolved.secrets())
                .line(Messages.WithContainerDaemonStep_Using(resolved));
        return BlockDaemon.of(spec, resolved.toString());
    }

    @Extension
    @Symbol(FUNCTION_NAME)
    public static final class DescriptorImpl extends StepDescriptor {

        @Override
        public String getFunctionName() {
            return FUNCTION_NAME;
        }

        @Override
        public String getDisplayName() {
            return Messages.WithContainerDaemonStep_DisplayName();
        }

        @Override
        public boolean takesImplicitBlockArgument() {
            return true;
        }

        @Override
        public Set<? extends Class<?>> getRequiredContext() {
            return Set.of(Run.class, FilePath.class, TaskListener.class);
        }
    }
}
