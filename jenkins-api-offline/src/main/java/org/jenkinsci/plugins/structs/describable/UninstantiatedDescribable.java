package org.jenkinsci.plugins.structs.describable;

import java.io.Serial;
import java.io.Serializable;
import java.util.Map;

/** Stand-in: a describable as its arguments (mock it in tests). */
public class UninstantiatedDescribable implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    public UninstantiatedDescribable(Map<String, ?> arguments) {
        throw new UnsupportedOperationException();
    }

    public Map<String, ?> getArguments() {
        throw new UnsupportedOperationException();
    }

    public UninstantiatedDescribable withArguments(Map<String, ?> arguments) {
        throw new UnsupportedOperationException();
    }
}
