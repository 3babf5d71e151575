package io.jenkins.plugins.containerbuild;

import hudson.Extension;
import hudson.Util;
import hudson.model.Describable;
import hudson.model.Descriptor;
import hudson.model.Item;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.AncestorInPath;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * A registry that a build may pull base images and cache sources from with credentials: a registry of the global
 * configuration by {@code name} (its address and credentials; {@code credentialsId} overrides them), or an
 * {@code url} with a {@code credentialsId}. In a Pipeline a plain string stands for {@code [name: '...']}. Holds
 * ids only; the credentials are looked up when the build runs.
 */
public final class PullRegistry implements Describable<PullRegistry>, Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    private String name;
    private String url;
    private String credentialsId;

    @DataBoundConstructor
    public PullRegistry() {}

    /** A registry of the global configuration, as {@code registries: ['internal']} gives it. */
    static PullRegistry named(String name) {
        PullRegistry r = new PullRegistry();
        r.setName(name);
        return r;
    }

    /** The name of a registry of the global configuration; null when {@link #getUrl()} is given. */
    public String getName() {
        return name;
    }

    @DataBoundSetter
    public void setName(String name) {
        this.name = Util.fixEmptyAndTrim(name);
    }

    /** {@code https://HOST[:PORT]} or {@code HOST[:PORT]}; null when {@link #getName()} is given. */
    public String getUrl() {
        return url;
    }

    @DataBoundSetter
    public void setUrl(String url) {
        this.url = Util.fixEmptyAndTrim(url);
    }

    /** "Username with password" or registry-token credentials; with a name, null for the configured ones. */
    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    /**
     * Refuses a bad name or address, an entry that gives neither or both of them, or an address without
     * credentials (the setters keep what they are given: {@link InvalidValueException}).
     */
    void check() throws InvalidValueException {
        if (name != null && !name.matches(NamedRegistry.NAME_PATTERN)) {
            throw new InvalidValueException("name", Messages.NamedRegistry_BadName(name));
        }
        if (url != null) {
            InvalidValueException.require("url", () -> ContainerPushStep.registryHost(url));
        }
        if ((name == null) == (url == null)) {
            throw new InvalidValueException("name", Messages.PullRegistry_NameOrUrl(this));
        }
        if (url != null && credentialsId == null) {
            throw new InvalidValueException("credentialsId", Messages.PullRegistry_NoCredentials(url));
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PullRegistry r && Objects.equals(name, r.name) && Objects.equals(url, r.url)
                && Objects.equals(credentialsId, r.credentialsId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, url, credentialsId);
    }

    /** Names and ids only: nothing secret. */
    @Override
    public String toString() {
        return (name != null ? name : String.valueOf(url)) + (credentialsId != null ? " (" + credentialsId + ")" : "");
    }

    @Extension
    @Symbol("pullRegistry")
    public static final class DescriptorImpl extends Descriptor<PullRegistry> {

        @Override
        public String getDisplayName() {
            return Messages.PullRegistry_DisplayName();
        }

        /** Fills on POST, as core's select control asks for it (and so that a cross-site GET cannot). */
        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
            return FormSupport.registryCredentials(item, credentialsId);
        }

        /** Credentials are needed with an address; with a name, the configured ones apply when none are chosen. */
        @POST
        public FormValidation doCheckCredentialsId(@AncestorInPath Item item, @QueryParameter String value,
                                                   @QueryParameter String url) {
            return FormSupport.checkCredentials(item, value, CredentialsKind.REGISTRY, Util.fixEmptyAndTrim(url) != null);
        }

        @POST
        public FormValidation doCheckName(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            String n = Util.fixEmptyAndTrim(value);
            if (n == null) {
                return FormValidation.ok();
            }
            if (!n.matches(NamedRegistry.NAME_PATTERN)) {
                return FormValidation.error(Messages.NamedRegistry_BadName(n));
            }
            return ContainerBuildConfiguration.get().registry(n) != null ? FormValidation.ok()
                    : FormValidation.error(Messages.PullRegistry_UnknownName(n));
        }

        @POST
        public FormValidation doCheckUrl(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            String u = Util.fixEmptyAndTrim(value);
            return u == null ? FormValidation.ok() : FormSupport.check(() -> ContainerPushStep.registryHost(u));
        }
    }
}
