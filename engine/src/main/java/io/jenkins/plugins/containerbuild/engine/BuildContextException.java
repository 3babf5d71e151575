package io.jenkins.plugins.containerbuild.engine;

/** The build context or the Dockerfile cannot be used: missing, unreadable, or escaping its directory. */
public class BuildContextException extends ContainerEngineException {

    private static final long serialVersionUID = 1L;

    public BuildContextException(String message) {
        super(message);
    }

    public BuildContextException(String message, Throwable cause) {
        super(message, cause);
    }
}
