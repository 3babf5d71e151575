package io.jenkins.plugins.containerbuild.engine;

/** A base image named by the Dockerfile is neither present on the daemon nor pullable. */
public class BaseImageMissingException extends ContainerEngineException {

    private static final long serialVersionUID = 1L;

    public BaseImageMissingException(String message) {
        super(message);
    }

    public BaseImageMissingException(String message, Throwable cause) {
        super(message, cause);
    }
}
