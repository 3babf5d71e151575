package org.jenkinsci.plugins.workflow.steps;

/**
 * Stand-in: a step execution whose {@link #run()} runs on a thread of its own, off the Pipeline (CPS) thread;
 * stopping the step interrupts that thread.
 */
public abstract class SynchronousNonBlockingStepExecution<T> extends StepExecution {
    protected SynchronousNonBlockingStepExecution(StepContext context) {
        super(context);
    }

    protected abstract T run() throws Exception;

    @Override
    public final boolean start() throws Exception {
        throw new UnsupportedOperationException();
    }
}
