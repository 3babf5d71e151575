package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.model.TaskListener;
import hudson.remoting.VirtualChannel;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;
import io.jenkins.plugins.containerbuild.engine.SharedSidecar;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import io.jenkins.plugins.containerbuild.engine.daemon.Timeouts;
import java.io.File;
import java.io.IOException;
import java.io.Serial;
import jenkins.MasterToSlaveFileCallable;

/**
 * The agent side of the start of a {@code withContainerDaemon} block on DinD: starts the sidecar and leaves it in
 * {@link KeptSidecars}, returning its label. Interrupting it (stopping the build) removes a sidecar half started.
 */
final class StartSidecarCallable extends MasterToSlaveFileCallable<String> {

    @Serial
    private static final long serialVersionUID = 1L;

    private final ResolvedDaemon daemon;
    private final TaskListener listener;

    StartSidecarCallable(ResolvedDaemon daemon, TaskListener listener) {
        if (daemon.kind() != ResolvedDaemon.Kind.DIND) {
            throw new IllegalArgumentException("not a DinD daemon: " + daemon);
        }
        this.daemon = daemon;
        this.listener = listener;
    }

    @Override
    public String invoke(File workspace, VirtualChannel channel) throws IOException, InterruptedException {
        BuildLog log = new BuildLog(listener.getLogger(), WithContainerDaemonStep.FUNCTION_NAME, daemon.secrets());
        DaemonEndpoint.Dind endpoint;
        try {
            endpoint = (DaemonEndpoint.Dind) daemon.endpoint();
        } catch (IllegalArgumentException e) {
            throw new AbortException(e.getMessage());
        }
        try {
            return KeptSidecars.keep(SharedSidecar.start(endpoint, Timeouts.defaults(), log), channel);
        } catch (ContainerEngineException e) {
            throw Engines.abort(e);
        }
    }
}
