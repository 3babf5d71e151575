package io.jenkins.plugins.containerbuild;

import hudson.Extension;
import hudson.Util;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * A registry of the global configuration: a name that {@code containerPush(registry: 'name')} may use instead of
 * the address, the address, and the "Username with password" credentials used when the step gives none.
 */
public final class NamedRegistry implements Describable<NamedRegistry> {

    static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9_.-]*";

    private final String name;
    private final String url;
    private String credentialsId;

    @DataBoundConstructor
    public NamedRegistry(String name, String url) {
        String n = Util.fixEmptyAndTrim(name);
        if (n == null || !n.matches(NAME_PATTERN)) {
            throw new IllegalArgumentException(Messages.NamedRegistry_BadName(name));
        }
        String u = Util.fixEmptyAndTrim(url);
        if (u == null) {
            throw new IllegalArgumentException(Messages.ContainerPushStep_BadRegistry(""));
        }
        ContainerPushStep.registryHost(u);
        this.name = n;
        this.url = u;
    }

    /** What {@code containerPush(registry: ...)} names. */
    public String getName() {
        return name;
    }

    /** {@code https://HOST[:PORT]} or {@code HOST[:PORT]}. */
    public String getUrl() {
        return url;
    }

    /** "Username with password" credentials for pushes that give no {@code credentialsId}; none for an open registry. */
    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    @Override
    public String toString() {
        return name + " (" + url + ")";
    }

    @Extension
    @Symbol("registry")
    public static final class DescriptorImpl extends Descriptor<NamedRegistry> {

        @Override
        public String getDisplayName() {
            return Messages.NamedRegistry_DisplayName();
        }

        /** Fills on POST, as core's select control asks for it (and so that a cross-site GET cannot). */
        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
            return FormSupport.registryCredentials(item, credentialsId);
        }

        @POST
        public FormValidation doCheckCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
            return FormSupport.checkCredentials(item, value, CredentialsKind.REGISTRY, false);
        }

        @POST
        public FormValidation doCheckName(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            String n = Util.fixEmptyAndTrim(value);
            return n != null && n.matches(NAME_PATTERN) ? FormValidation.ok()
                    : FormValidation.error(Messages.NamedRegistry_BadName(value == null ? "" : value));
        }

        @POST
        public FormValidation doCheckUrl(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return FormSupport.check(() -> ContainerPushStep.registryHost(value == null ? "" : value.trim()));
        }
    }
}
