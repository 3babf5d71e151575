package io.jenkins.plugins.containerbuild.cli;

/**
 * The command line is wrong: an unknown option, a missing or malformed value. The message names the problem; the
 * CLI prints it with a short usage hint and exits with status 2.
 */
final class UsageException extends Exception {

    private static final long serialVersionUID = 1L;

    private final Options.Command command;

    UsageException(String message, Options.Command command) {
        super(message);
        this.command = command;
    }

    UsageException(String message, Options.Command command, Throwable cause) {
        super(message, cause);
        this.command = command;
    }

    /** The command the user was giving, or null when not known yet; picks the usage hint. */
    Options.Command command() {
        return command;
    }
}
