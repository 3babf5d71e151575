package org.jenkinsci.plugins.workflow.steps;

/** Stand-in: starts the body of a block step, with context values and a callback for its end. */
public abstract class BodyInvoker {
    public abstract BodyInvoker withContext(Object override);

    public abstract BodyInvoker withCallback(BodyExecutionCallback callback);

    public abstract BodyExecution start();
}
