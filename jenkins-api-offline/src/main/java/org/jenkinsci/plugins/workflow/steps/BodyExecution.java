package org.jenkinsci.plugins.workflow.steps;

import java.io.Serializable;
import java.util.concurrent.Future;

/** Stand-in: a running body of a block step. */
public abstract class BodyExecution implements Future<Object>, Serializable {
    private static final long serialVersionUID = 1L;

    public boolean cancel(Throwable t) {
        throw new UnsupportedOperationException();
    }
}
