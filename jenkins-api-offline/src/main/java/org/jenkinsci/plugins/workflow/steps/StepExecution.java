package org.jenkinsci.plugins.workflow.steps;

import java.io.Serializable;

/** Stand-in: a running step. */
public abstract class StepExecution implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Does nothing here: subclasses must stay constructible in tests (stub {@link #getContext()} there). */
    protected StepExecution(StepContext context) {}

    public StepContext getContext() {
        throw new UnsupportedOperationException();
    }

    public abstract boolean start() throws Exception;

    public void stop(Throwable cause) throws Exception {
        throw new UnsupportedOperationException();
    }

    public void onResume() {
        throw new UnsupportedOperationException();
    }
}
