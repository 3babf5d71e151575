package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.model.Describable;
import hudson.model.Run;

/**
 * Which Docker daemon a step talks to: {@code dood(...)} (the agent's own socket, the default), {@code dind(...)}
 * (a sidecar started for the step) or {@code tcp(...)} (a remote daemon, with TLS client credentials).
 */
public abstract class DaemonSpec implements Describable<DaemonSpec> {

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
