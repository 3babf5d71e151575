package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.Extension;
import hudson.model.Descriptor;
import hudson.model.Run;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;

/**
 * "The global default daemon": the choice of the job forms that means the same as giving no daemon at all, so that
 * a job saved from its configuration page keeps following the daemon of the global configuration (Manage Jenkins
 * &gt; System &gt; Container Build), whatever it is when the step runs. The steps and the freestyle step store it as
 * no daemon. The global configuration's own selector does not offer it.
 */
public final class GlobalDefaultDaemon extends DaemonSpec {

    private static final long serialVersionUID = 1L;

    @DataBoundConstructor
    public GlobalDefaultDaemon() {}

    /** The daemon of the global configuration when the step runs, resolved as it would be resolved itself. */
    @Override
    ResolvedDaemon resolve(Run<?, ?> run) throws AbortException {
        return ContainerBuildConfiguration.get().getDefaultDaemon().resolve(run);
    }

    /** What a step's {@code daemon} setter stores: null (the global default) for this choice, else {@code daemon}. */
    static DaemonSpec orNull(DaemonSpec daemon) {
        return daemon instanceof GlobalDefaultDaemon ? null : daemon;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GlobalDefaultDaemon;
    }

    @Override
    public int hashCode() {
        return GlobalDefaultDaemon.class.hashCode();
    }

    @Override
    public String toString() {
        return "globalDefault()";
    }

    /** Listed first (highest ordinal), so that a new job form starts with the global default. */
    @Extension(ordinal = 100)
    @Symbol("globalDefault")
    public static final class DescriptorImpl extends Descriptor<DaemonSpec> {
        @Override
        public String getDisplayName() {
            return Messages.GlobalDefaultDaemon_DisplayName();
        }
    }
}
