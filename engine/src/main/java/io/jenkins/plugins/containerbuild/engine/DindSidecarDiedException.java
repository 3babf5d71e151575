package io.jenkins.plugins.containerbuild.engine;

/** The DinD sidecar stopped while it worked (killed, out of memory, its daemon crashed); it has been removed. */
public class DindSidecarDiedException extends DaemonUnreachableException {

    private static final long serialVersionUID = 1L;

    public DindSidecarDiedException(String message, Throwable cause) {
        super(message, cause);
    }
}
