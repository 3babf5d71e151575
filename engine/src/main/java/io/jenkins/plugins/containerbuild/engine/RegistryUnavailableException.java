package io.jenkins.plugins.containerbuild.engine;

/** The registry kept failing (5xx, connection reset, timeout) after every retry. */
public class RegistryUnavailableException extends ContainerEngineException {

    private static final long serialVersionUID = 1L;

    public RegistryUnavailableException(String message) {
        super(message);
    }

    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
