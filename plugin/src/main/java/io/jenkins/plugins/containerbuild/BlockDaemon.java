package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.model.Run;
import java.io.Serial;
import java.io.Serializable;

/**
 * The daemon a {@code withContainerDaemon} block gives the steps inside it that name none: a value of the body's
 * context, which the steps read with {@code context.get(BlockDaemon.class)}. Jenkins saves it with the Pipeline's
 * state, so it holds nothing secret: either the block's daemon choice, which each step resolves as if it were its own
 * {@code daemon:} (credentials are looked up by each step, as usual), or, for DinD, what identifies the one sidecar
 * that the agent keeps for the block ({@link SidecarRef}: container, labels, socket). Its TLS identity never leaves
 * the agent.
 */
final class BlockDaemon implements Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The block's daemon, for every kind but DinD; null for a kept sidecar. */
    private final DaemonSpec daemon;
    /** The kept sidecar's key in {@link KeptSidecars} (before issue 21, its label); null otherwise. */
    private final String sidecar;
    private final String hostSocket;
    private final String description;
    /** What identifies the kept sidecar on the agent; null otherwise, and in a block saved before it was recorded. */
    private final SidecarRef ref;

    private BlockDaemon(DaemonSpec daemon, SidecarRef ref, String description) {
        this.daemon = daemon;
        this.ref = ref;
        this.sidecar = ref == null ? null : ref.key();
        this.hostSocket = ref == null ? null : ref.hostSocket();
        this.description = description;
    }

    /**
     * A daemon that the steps reach themselves, each with its own connection (any kind but DinD); {@code description}
     * names it as the log does (no secret).
     */
    static BlockDaemon of(DaemonSpec daemon, String description) {
        return new BlockDaemon(daemon, null, description);
    }

    /** The sidecar the agent keeps for the block, as {@code ref} identifies it. */
    static BlockDaemon keptSidecar(SidecarRef ref, String description) {
        return new BlockDaemon(null, ref, description);
    }

    /** Whether the agent keeps a sidecar for this block, which must be released when it ends. */
    boolean isKeptSidecar() {
        return sidecar != null;
    }

    /** The kept sidecar's key in {@link KeptSidecars}; null when none. */
    String sidecar() {
        return sidecar;
    }

    /**
     * What identifies the kept sidecar; null when none. A block saved before the container was recorded has only the
     * key (which was then the label) and the socket: enough to release it, not to find it again.
     */
    SidecarRef ref() {
        if (ref != null || sidecar == null) {
            return ref;
        }
        return new SidecarRef(sidecar, hostSocket, null, sidecar, null, null);
    }

    /** What a step inside the block connects to; runs on the controller. */
    ResolvedDaemon resolve(Run<?, ?> run) throws AbortException {
        return sidecar != null ? ResolvedDaemon.kept(ref(), description) : daemon.resolve(run);
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
