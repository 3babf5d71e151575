package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.model.Describable;
import hudson.model.Run;
import java.io.Serializable;

/**
 * Which Docker daemon a step talks to: {@code dood(...)} (the agent's own socket, the default), {@code dind(...)}
 * (a sidecar started for the step), {@code tcp(...)} (a remote daemon, with TLS client credentials) or
 * {@code podman(...)} (the agent's Podman service). Serializable because a {@code withContainerDaemon} block keeps
 * its choice in the body's context ({@link BlockDaemon}), which Jenkins saves with the Pipeline: a kind holds only
 * what may be saved (names, paths, credentials ids), never a secret.
 */
public abstract class DaemonSpec implements Describable<DaemonSpec>, Serializable {

    private static final long serialVersionUID = 1L;

    DaemonSpec() {}

    /**
     * Resolves what the controller knows (credentials, the build's id) into a value that can travel to the agent.
     * Runs on the controller, never on the agent.
     */
    abstract ResolvedDaemon resolve(Run<?, ?> run) throws AbortException;

    /**
     * Finds what is wrong with the values this daemon was given: its constructor and setters keep them as given
     * (see {@link InvalidValueException}). Called before the daemon is used or saved; nothing to check by default.
     */
    void check() throws InvalidValueException {}
}
