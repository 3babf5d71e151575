package hudson;

import java.io.IOException;

/**
 * Stand-in: a failure whose message is all the user needs. Like every exception stand-in it keeps its message
 * (code under test throws it), and has no other behaviour.
 */
public class AbortException extends IOException {
    private static final long serialVersionUID = 1L;

    public AbortException(String message) {
        super(message);
    }
}
