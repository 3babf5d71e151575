package io.jenkins.plugins.containerbuild.engine;

/**
 * A failure the user can act on. The message says, in one sentence, what was wrong and what to do; subclasses
 * tell the kinds apart so that callers can react to them. Messages often quote the daemon or a registry: their
 * control characters are escaped ({@link Printable#output}), so that printing a message cannot send a terminal
 * escape; the line feeds kept are the engine's own (a failed step's last lines), since the daemon's text arrives
 * here already made one line ({@link DaemonReplies}, the BuildKit step's name and error).
 */
public class ContainerEngineException extends Exception {

    private static final long serialVersionUID = 1L;

    public ContainerEngineException(String message) {
        super(Printable.output(message));
    }

    public ContainerEngineException(String message, Throwable cause) {
        super(Printable.output(message), cause);
    }
}
