package jenkins.model;

import hudson.DescriptorExtensionList;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.security.AccessControlled;
import hudson.security.Permission;
import io.jenkins.plugins.containerbuild.offline.StandIns;

/** Stand-in: the Jenkins controller (mock {@link #get()} in tests). */
public class Jenkins implements AccessControlled {
    public static final Permission ADMINISTER = StandIns.permission("Jenkins.ADMINISTER");

    protected Jenkins() {}

    public static Jenkins get() throws IllegalStateException {
        throw new UnsupportedOperationException();
    }

    public <T extends Describable<T>, D extends Descriptor<T>> DescriptorExtensionList<T, D> getDescriptorList(Class<T> type) {
        throw new UnsupportedOperationException();
    }
}
