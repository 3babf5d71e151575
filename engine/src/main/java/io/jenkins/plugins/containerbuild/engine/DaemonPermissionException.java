package io.jenkins.plugins.containerbuild.engine;

/** The daemon's socket refused this user: permission denied. */
public class DaemonPermissionException extends ContainerEngineException {

    private static final long serialVersionUID = 1L;

    public DaemonPermissionException(String message) {
        super(message);
    }

    public DaemonPermissionException(String message, Throwable cause) {
        super(message, cause);
    }
}
