package io.jenkins.plugins.containerbuild;

import hudson.model.TaskListener;
import hudson.remoting.VirtualChannel;
import io.jenkins.plugins.containerbuild.engine.SharedSidecar;
import io.jenkins.plugins.containerbuild.engine.daemon.DaemonEndpoint;
import java.io.File;
import java.io.Serial;
import java.nio.file.Path;
import jenkins.MasterToSlaveFileCallable;

/**
 * The agent side of the end of a {@code withContainerDaemon} block on DinD: removes the block's sidecar. When the
 * agent does not keep it (it reconnected since and nothing found it again, or its start has not ended yet), whatever
 * is left under the sidecar's label on the host daemon is removed instead, and a start still under way removes it
 * when it ends. Never fails: the body's result stands.
 */
final class ReleaseSidecarCallable extends MasterToSlaveFileCallable<Void> {

    @Serial
    private static final long serialVersionUID = 1L;

    private final SidecarRef sidecar;
    private final TaskListener listener;

    ReleaseSidecarCallable(SidecarRef sidecar, TaskListener listener) {
        this.sidecar = sidecar;
        this.listener = listener;
    }

    @Override
    public Void invoke(File workspace, VirtualChannel channel) {
        if (!KeptSidecars.release(sidecar.key()) && sidecar.label() != null && sidecar.hostSocket() != null) {
            String host = sidecar.hostSocket();
            boolean asked = SharedSidecar.removeLeftover(new DaemonEndpoint.UnixSocket(Path.of(host)), sidecar.label());
            new BuildLog(listener.getLogger(), WithContainerDaemonStep.FUNCTION_NAME, java.util.List.of())
                    .line(asked ? Messages.WithContainerDaemonStep_NotKept("unix://" + host)
                            : Messages.WithContainerDaemonStep_ReleaseFailed("unix://" + host + " did not answer"));
        }
        return null;
    }
}
