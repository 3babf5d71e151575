package org.jenkinsci.plugins.workflow.steps;

import hudson.EnvVars;
import java.io.IOException;
import java.io.Serializable;

/** Stand-in: adds environment variables to the context of a block's body. */
public abstract class EnvironmentExpander implements Serializable {

    public abstract void expand(EnvVars env) throws IOException, InterruptedException;

    public static EnvironmentExpander merge(EnvironmentExpander original, EnvironmentExpander subsequent) {
        throw new UnsupportedOperationException();
    }
}
