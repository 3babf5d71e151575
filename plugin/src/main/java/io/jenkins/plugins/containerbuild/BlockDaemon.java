package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.model.Run;
import java.io.Serial;
import java.io.Serializable;

/**
 * The daemon a {@code withContainerDaemon} block gives the steps inside it that name none: a value of the body's
 * context, which the steps read with {@code context.get(BlockDaemon.class)}. Jenkins saves it with the Pipeline's
 * state, so it holds nothing secret: either the block's daemon choice, which each step resolves as if it were its own
 * {@code daemon:} (credentials are looked up by each step, as usual), or, for DinD, the label of the one sidecar that
 * the agent keeps for the block ({@link KeptSidecars}) and the socket it runs on. Its TLS identity never leaves the
 * agent.
 */
final class BlockDaemon implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The block's daemon, for every kind but DinD; null for a kept sidecar. */
    private final DaemonSpec daemon;
    /** The kept sidecar's label; null otherwise. */
    private final String sidecar;
    private final String hostSocket;
    private final String description;

    private BlockDaemon(DaemonSpec daemon, String sidecar, String hostSocket, String description) {
        this.daemon = daemon;
        this.sidecar = sidecar;
        this.hostSocket = hostSocket;
        this.description = description;
    }

    /**
     * A daemon that the steps reach themselves, each with its own connection (any kind but DinD); {@code description}
     * names it as the log does (no secret).
     */
    static BlockDaemon of(DaemonSpec daemon, String description) {
        return new BlockDaemon(daemon, null, null, description);
    }

    /** The sidecar the agent keeps under {@code sidecar}, started on {@code hostSocket}. */
    static BlockDaemon keptSidecar(String sidecar, String hostSocket, String description) {
        return new BlockDaemon(null, sidecar, hostSocket, description);
    }

    /** Whether the agent keeps a sidecar for this block, which must be released when it ends. */
    boolean isKeptSidecar() {
        return sidecar != null;
    }

    /** The kept sidecar's label; null when none. */
    String sidecar() {
        return sidecar;
    }

    /** The socket of the daemon that runs the kept sidecar; null when none. */
    String hostSocket() {
        return hostSocket;
    }

    /** What a step inside the block connects to; runs on the controller. */
    ResolvedDaemon resolve(Run<?, ?> run) throws AbortException {
        return sidecar != null ? ResolvedDaemon.kept(hostSocket, sidecar, description) : daemon.resolve(run);
    }

    /**
     * The daemon of a step: its own {@code daemon:}, else that of the block it runs in ({@code block}, null outside
     * one), else the global default. Runs on the controller.
     */
    static ResolvedDaemon forStep(DaemonSpec stepDaemon, BlockDaemon block, Run<?, ?> run) throws AbortException {
        if (GlobalDefaultDaemon.orNull(stepDaemon) == null && block != null) {
            return block.resolve(run);
        }
        return ContainerBuildConfiguration.daemonFor(stepDaemon).resolve(run);
    }

    @Override
    public String toString() {
        return description != null ? description : String.valueOf(daemon); // none in a block saved before 21
    }
}
