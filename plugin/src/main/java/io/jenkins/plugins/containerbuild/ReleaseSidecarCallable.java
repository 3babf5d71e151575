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
 * agent no longer keeps it (it reconnected since, and the old connection's sidecars went with it), whatever is left
 * under the sidecar's label on the host daemon is removed instead. Never fails: the body's result stands.
 */
final class ReleaseSidecarCallable extends MasterToSlaveFileCallable<Void> {

    @Serial
    private static final long serialVersionUID = 1L;

    private final String sidecar;
    private final String hostSocket;
    private final TaskListener listener;

    ReleaseSidecarCallable(String sidecar, String hostSocket, TaskListener listener) {
        this.sidecar = sidecar;
        this.hostSocket = hostSocket;
        this.listener = listener;
    }

    @Override
    public Void invoke(File workspace, VirtualChannel channel) {
        if (!KeptSidecars.release(sidecar)) {
            boolean asked = SharedSidecar.removeLeftover(new DaemonEndpoint.UnixSocket(Path.of(hostSocket)), sidecar);
            new BuildLog(listener.getLogger(), WithContainerDaemonStep.FUNCTION_NAME, java.util.List.of())
                    .line(asked ? Messages.WithContainerDaemonStep_NotKept("unix://" + hostSocket)
                            : Messages.WithContainerDaemonStep_ReleaseFailed("unix://" + hostSocket + " did not answer"));
        }
        return null;
    }
}
