package io.jenkins.plugins.containerbuild.engine;

/** The DinD sidecar did not come up: it exited, or its daemon did not answer in time. */
public class DindStartException extends ContainerEngineException {

    private static final long serialVersionUID = 1L;

    public DindStartException(String message) {
        super(message);
    }

    public DindStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
