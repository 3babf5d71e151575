package io.jenkins.plugins.containerbuild.engine;

/** The Docker daemon did not answer: not running, wrong address, or a network problem. */
public class DaemonUnreachableException extends ContainerEngineException {

    private static final long serialVersionUID = 1L;

    public DaemonUnreachableException(String message) {
        super(message);
    }

    public DaemonUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
