package io.jenkins.plugins.containerbuild;

import hudson.model.TaskListener;
import hudson.remoting.VirtualChannel;
import java.io.File;
import java.io.IOException;
import java.io.Serial;
import java.util.List;
import jenkins.MasterToSlaveFileCallable;

/**
 * The agent side of a {@code withContainerDaemon} block resumed after Jenkins restarted: finds the block's DinD
 * sidecar again and keeps it for the steps ({@link KeptSidecars#adopt}), or fails saying why it cannot be used.
 */
final class AdoptSidecarCallable extends MasterToSlaveFileCallable<Void> {

    @Serial
    private static final long serialVersionUID = 1L;

    private final SidecarRef sidecar;
    private final TaskListener listener;

    AdoptSidecarCallable(SidecarRef sidecar, TaskListener listener) {
        this.sidecar = sidecar;
        this.listener = listener;
    }

    @Override
    public Void invoke(File workspace, VirtualChannel channel) throws IOException {
        BuildLog log = new BuildLog(listener.getLogger(), WithContainerDaemonStep.FUNCTION_NAME, List.of());
        if (KeptSidecars.adopt(sidecar, log, channel)) {
            log.line(Messages.WithContainerDaemonStep_FoundAgain(sidecar.containerId().substring(0,
                    Math.min(12, sidecar.containerId().length()))));
        }
        return null;
    }
}
