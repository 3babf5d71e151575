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
 * {@link KeptSidecars} under the key the block chose, returning what identifies it. Interrupting it (stopping the
 * build) removes a sidecar half started; a release of the key that arrives before the start ends (the block was
 * stopped meanwhile) removes it too.
 */
final class StartSidecarCallable extends MasterToSlaveFileCallable<SidecarRef> {

    @Serial
    private static final long serialVersionUID = 1L;

    private final ResolvedDaemon daemon;
    private final String key;
    private final TaskListener listener;

    StartSidecarCallable(ResolvedDaemon daemon, String key, TaskListener listener) {
        if (daemon.kind() != ResolvedDaemon.Kind.DIND) {
            throw new IllegalArgumentException("not a DinD daemon: " + daemon);
        }
        this.daemon = daemon;
        this.key = key;
        this.listener = listener;
    }

    @Override
    public SidecarRef invoke(File workspace, VirtualChannel channel) throws IOException, InterruptedException {
        BuildLog log = new BuildLog(listener.getLogger(), WithContainerDaemonStep.FUNCTION_NAME, daemon.secrets());
        DaemonEndpoint.Dind endpoint;
        try {
            endpoint = (DaemonEndpoint.Dind) daemon.endpoint();
        } catch (IllegalArgumentException e) {
            throw new AbortException(e.getMessage());
        }
        if (KeptSidecars.releasedEarly(key)) {
            throw new AbortException(Messages.WithContainerDaemonStep_StoppedWhileStarting());
        }
        SharedSidecar sidecar;
        try {
            sidecar = SharedSidecar.start(endpoint, Timeouts.defaults(), log);
        } catch (ContainerEngineException e) {
            throw Engines.abort(e);
        }
        KeptSidecars.keep(key, sidecar, channel);
        return new SidecarRef(key, daemon.hostSocket(), sidecar.containerId(), sidecar.label(), daemon.owner(),
                daemon.cacheVolume());
    }
}
