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
import org.kohsuke.stapler.QueryParameter;
import org.kohsuke.stapler.verb.POST;

/**
 * SSH forwarding for {@code RUN --mount=type=ssh,id=ID}: the keys of "SSH Username with private key" credentials,
 * offered by the engine's in-memory agent (the passphrase is used to open them). In a Pipeline,
 * {@code ssh: [default: 'credentials-id']}. Holds ids only.
 */
public final class SshMount implements Describable<SshMount>, Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The id of {@code RUN --mount=type=ssh} without {@code id=}. */
    static final String DEFAULT_ID = "default";

    private final String id;
    private final String credentialsId;

    /**
     * @param id blank for {@code default}; both are kept as given (trimmed) and checked by {@link #check()}: see
     *           {@link InvalidValueException}
     */
    @DataBoundConstructor
    public SshMount(String id, String credentialsId) {
        String i = Util.fixEmptyAndTrim(id);
        this.id = i == null ? DEFAULT_ID : i;
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    /** A valid id and credentials named. */
    void check() throws InvalidValueException {
        InvalidValueException.require("id", () -> SecretMount.checkId(id));
        InvalidValueException.require("credentialsId", () -> SecretMount.checkCredentialsId(credentialsId, id));
    }

    /** The id of {@code RUN --mount=type=ssh,id=ID}; {@code default} when the mount names none. */
    public String getId() {
        return id;
    }

    /** "SSH Username with private key" credentials. */
    public String getCredentialsId() {
        return credentialsId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SshMount s && id.equals(s.id) && Objects.equals(credentialsId, s.credentialsId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, credentialsId);
    }

    @Override
    public String toString() {
        return id + "=" + credentialsId;
    }

    @Extension
    @Symbol("sshMount")
    public static final class DescriptorImpl extends Descriptor<SshMount> {

        @Override
        public String getDisplayName() {
            return Messages.SshMount_DisplayName();
        }

        /** Fills on POST, as core's select control asks for it (and so that a cross-site GET cannot). */
        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
            return FormSupport.sshCredentials(item, credentialsId);
        }

        @POST
        public FormValidation doCheckCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
            return FormSupport.checkCredentials(item, value, CredentialsKind.SSH, true);
        }

        @POST
        public FormValidation doCheckId(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return Util.fixEmptyAndTrim(value) == null ? FormValidation.ok()
                    : FormSupport.check(() -> SecretMount.checkId(value));
        }
    }
}
