package jenkins;

import jenkins.agents.ControllerToAgentFileCallable;

/** Stand-in: base class of file callables sent from the controller to an agent. */
public abstract class MasterToSlaveFileCallable<T> implements ControllerToAgentFileCallable<T> {
    private static final long serialVersionUID = 1L;
}
