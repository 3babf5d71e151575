package io.jenkins.plugins.containerbuild;

import java.io.Serial;
import java.io.Serializable;

/**
 * What identifies the DinD sidecar of a {@code withContainerDaemon} block, and nothing secret: saved with the Pipeline
 * (in {@link BlockDaemon}) so that the block, resumed after a restart of Jenkins, finds the sidecar again on its agent
 * ({@link KeptSidecars#adopt}).
 *
 * @param key         the block's own name for it, chosen on the controller before the agent is asked to start it: the
 *                    agent keeps it under this name, so a stop that comes before the start's answer can release it
 * @param hostSocket  the socket of the agent's daemon that runs it
 * @param containerId its container; null until it started (and in a block begun before the plugin recorded it)
 * @param label       the engine's label that names it alone, for removing what is left of it
 * @param owner       the run that started it (its owner label), checked when it is found again
 * @param volume      its cache volume, or null
 */
record SidecarRef(String key, String hostSocket, String containerId, String label, String owner, String volume)
        implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Whether enough is known to find it again on the agent. */
    boolean adoptable() {
        return containerId != null && label != null && owner != null && hostSocket != null;
    }
}
