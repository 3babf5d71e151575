package hudson.util;

import java.io.Serializable;

/** Stand-in: an encrypted string. */
public final class Secret implements Serializable {
    private static final long serialVersionUID = 1L;

    private Secret() {
        throw new UnsupportedOperationException();
    }

    public String getPlainText() {
        throw new UnsupportedOperationException();
    }
}
