package io.jenkins.plugins.containerbuild.engine;

/** The push did not finish within its time limit: the registry (or the way to it) is too slow or hangs. */
public class RegistryTimeoutException extends RegistryUnavailableException {

    private static final long serialVersionUID = 1L;

    public RegistryTimeoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
