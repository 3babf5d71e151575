package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.remoting.VirtualChannel;
import io.jenkins.plugins.containerbuild.engine.ContainerEngine;
import io.jenkins.plugins.containerbuild.engine.ContainerEngineException;

/** Opening the engine on the agent, and turning its failures into build failures without a stack trace. */
final class Engines {

    private Engines() {}

    /** {@code channel}: the callable's channel to the controller, for a kept sidecar found again ({@link KeptSidecars}). */
    static ContainerEngine connect(ResolvedDaemon daemon, BuildLog log, VirtualChannel channel)
            throws AbortException, ContainerEngineException, InterruptedException {
        if (daemon.kind() == ResolvedDaemon.Kind.KEPT) {
            return KeptSidecars.attach(daemon.sidecar(), log, channel);
        }
        try {
            return ContainerEngine.connect(daemon.endpoint(), log);
        } catch (IllegalArgumentException e) {
            throw new AbortException(e.getMessage());
        }
    }

    /** The engine's message already says what was wrong and what to do; keep the cause for the curious. */
    static AbortException abort(ContainerEngineException e) {
        AbortException a = new AbortException(e.getMessage());
        a.initCause(e);
        return a;
    }
}
