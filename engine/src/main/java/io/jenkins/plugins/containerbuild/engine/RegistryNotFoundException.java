package io.jenkins.plugins.containerbuild.engine;

/** The registry or repository does not exist, or the image to push is not on the daemon (404). */
public class RegistryNotFoundException extends ContainerEngineException {

    private static final long serialVersionUID = 1L;

    public RegistryNotFoundException(String message) {
        super(message);
    }

    public RegistryNotFoundException(String message, Throwable cause) {
        super(message, cause);
    }
}
