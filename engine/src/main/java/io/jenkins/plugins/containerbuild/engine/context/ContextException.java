package io.jenkins.plugins.containerbuild.engine.context;

import java.io.IOException;

/**
 * The build context could not be prepared or sent: the message says what was wrong and what to do about it.
 */
public class ContextException extends IOException {

    private static final long serialVersionUID = 1L;

    public ContextException(String message) {
        super(message);
    }

    public ContextException(String message, Throwable cause) {
        super(message, cause);
    }
}
