package jenkins.model;

import hudson.model.Action;
import hudson.model.Run;

/** Stand-in: an action that is told the build it belongs to. */
public interface RunAction2 extends Action {
    void onAttached(Run<?, ?> r);

    void onLoad(Run<?, ?> r);
}
