package io.jenkins.plugins.containerbuild.engine;

/** The registry refused the credentials, or none were given where they are needed (401, denied). */
public class RegistryAuthException extends ContainerEngineException {

    private static final long serialVersionUID = 1L;

    public RegistryAuthException(String message) {
        super(message);
    }

    public RegistryAuthException(String message, Throwable cause) {
        super(message, cause);
    }
}
