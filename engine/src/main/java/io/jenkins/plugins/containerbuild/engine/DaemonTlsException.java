package io.jenkins.plugins.containerbuild.engine;

/** The TLS handshake with the daemon failed: wrong CA, certificate or key, or an unreadable PEM. */
public class DaemonTlsException extends ContainerEngineException {

    private static final long serialVersionUID = 1L;

    public DaemonTlsException(String message) {
        super(message);
    }

    public DaemonTlsException(String message, Throwable cause) {
        super(message, cause);
    }
}
