package io.jenkins.plugins.containerbuild;

import hudson.EnvVars;
import hudson.Extension;
import hudson.FilePath;
import hudson.model.Run;
import hudson.model.TaskListener;
import java.io.IOException;
import java.io.Serial;
import java.util.List;
import java.util.Set;
import org.jenkinsci.Symbol;
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
     * when the body has ended. What it keeps ({@link BlockDaemon}) is saved with the Pipeline and holds no secret.
     */
    static final class Execution extends GeneralNonBlockingStepExecution {

        @Serial
        private static final long serialVersionUID = 1L;

        private final transient WithContainerDaemonStep step;
        /** Set once the daemon is open; null before. */
        private volatile BlockDaemon block;
        /** Whether the sidecar's removal was asked for (the body ended, or the step was stopped). */
        private boolean released;

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
            block = open(step.getDaemon(), run, workspace, listener);
            EnvironmentExpander marker = new BlockMarker(block.toString());
            EnvironmentExpander outer = context.get(EnvironmentExpander.class);
            context.newBodyInvoker().withContext(block)
                    .withContext(outer == null ? marker : EnvironmentExpander.merge(outer, marker))
                    .withCallback(new Callback()).start();
        }

        /**
         * Stopped while the body runs (Jenkins usually stops the step inside the body instead, and the body's end
         * then releases the sidecar through {@link Callback}): asks the agent to remove the sidecar without waiting
         * for it, then stops.
         */
        @Override
        public void stop(Throwable cause) throws Exception {
            try {
                BlockDaemon b = block;
                if (b != null && b.isKeptSidecar() && claimRelease()) {
                    StepContext context = getContext();
                    context.get(FilePath.class).actAsync(new ReleaseSidecarCallable(b.sidecar(), b.hostSocket(),
                            context.get(TaskListener.class)));
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                // the agent removes it when its connection ends: stopping must not wait for that
            }
            super.stop(cause);
        }

        /** Whether this call is the first to release the block's sidecar. */
        private synchronized boolean claimRelease() {
            boolean first = !released;
            released = true;
            return first;
        }

        /** The body has ended (successfully or not): removes the sidecar on the agent; runs on a thread of its own. */
        void end(StepContext context) throws IOException, InterruptedException {
            BlockDaemon b = block;
            if (b == null || !b.isKeptSidecar() || !claimRelease()) {
                return;
            }
            TaskListener listener = context.get(TaskListener.class);
            try {
                context.get(FilePath.class).act(new ReleaseSidecarCallable(b.sidecar(), b.hostSocket(), listener));
            } catch (IOException e) { // the agent is gone: it removes the sidecar itself when its connection ends
                new BuildLog(listener.getLogger(), FUNCTION_NAME, List.of())
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
     * The block's daemon, opened: for DinD, a sidecar started on the agent and kept there; for any other kind, the
     * daemon choice itself, checked by resolving it once (credentials, allowed images) so that a bad one fails before
     * the body runs. Runs on the controller.
     */
    static BlockDaemon open(DaemonSpec daemon, Run<?, ?> run, FilePath workspace, TaskListener listener)
            throws IOException, InterruptedException {
        DaemonSpec spec = ContainerBuildConfiguration.daemonFor(daemon);
        ResolvedDaemon resolved = spec.resolve(run);
        if (resolved.kind() == ResolvedDaemon.Kind.DIND) {
            String sidecar = workspace.act(new StartSidecarCallable(resolved, listener));
            return BlockDaemon.keptSidecar(sidecar, resolved.hostSocket(), resolved.toString());
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
