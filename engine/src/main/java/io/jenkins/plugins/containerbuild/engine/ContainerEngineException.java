package io.jenkins.plugins.containerbuild.engine;

/**
 * A failure the user can act on. The message says, in one sentence, what was wrong and what to do; subclasses
 * tell the kinds apart so that callers can react to them.
 */
public class ContainerEngineException extends Exception {

    private static final long serialVersionUID = 1L;

    public ContainerEngineException(String message) {
        super(message);
    }

    public ContainerEngineException(String message, Throwable cause) {
        super(message, cause);
    }
}
