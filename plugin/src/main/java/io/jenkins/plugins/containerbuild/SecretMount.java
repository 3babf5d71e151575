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
 * A build secret: what {@code RUN --mount=type=secret,id=ID} reads, from "Secret text" (its text) or "Secret file"
 * (its bytes) credentials. In a Pipeline, {@code secrets: [ID: 'credentials-id']}. Holds ids only.
 */
public final class SecretMount implements Describable<SecretMount>, Serializable {

    @Serial
    private static final long serialVersionUID = 1L;

    /** What BuildKit's mount options take as an id (the engine's rule). */
    static final String ID_PATTERN = "[A-Za-z0-9._-]+";

    private final String id;
    private final String credentialsId;

    /** Both are kept as given (trimmed) and checked by {@link #check()}: see {@link InvalidValueException}. */
    @DataBoundConstructor
    public SecretMount(String id, String credentialsId) {
        this.id = Util.fixEmptyAndTrim(id);
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    /** A valid id and credentials named. */
    void check() throws InvalidValueException {
        InvalidValueException.require("id", () -> checkId(id));
        InvalidValueException.require("credentialsId", () -> checkCredentialsId(credentialsId, id));
    }

    /** (Plain Java, no Jenkins call: {@code check()} may run on any thread.) */
    static String checkId(String id) {
        String i = id == null ? "" : id.trim();
        if (i.isEmpty() || !i.matches(ID_PATTERN)) {
            throw new IllegalArgumentException(Messages.SecretMount_BadId(id == null ? "" : id));
        }
        return i;
    }

    static String checkCredentialsId(String credentialsId, String id) {
        String c = credentialsId == null ? "" : credentialsId.trim();
        if (c.isEmpty()) {
            throw new IllegalArgumentException(Messages.SecretMount_NoCredentials(id == null ? "" : id));
        }
        return c;
    }

    /** The id of {@code RUN --mount=type=secret,id=ID}. */
    public String getId() {
        return id;
    }

    /** "Secret text" or "Secret file" credentials. */
    public String getCredentialsId() {
        return credentialsId;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecretMount s && Objects.equals(id, s.id) && Objects.equals(credentialsId, s.credentialsId);
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
    @Symbol("secretMount")
    public static final class DescriptorImpl extends Descriptor<SecretMount> {

        @Override
        public String getDisplayName() {
            return Messages.SecretMount_DisplayName();
        }

        /** Fills on POST, as core's select control asks for it (and so that a cross-site GET cannot). */
        @POST
        public ListBoxModel doFillCredentialsIdItems(@AncestorInPath Item item, @QueryParameter String credentialsId) {
            return FormSupport.secretCredentials(item, credentialsId);
        }

        @POST
        public FormValidation doCheckCredentialsId(@AncestorInPath Item item, @QueryParameter String value) {
            return FormSupport.checkCredentials(item, value, CredentialsKind.SECRET, true);
        }

        @POST
        public FormValidation doCheckId(@AncestorInPath Item item, @QueryParameter String value) {
            FormSupport.checkConfigure(item);
            return FormSupport.check(() -> checkId(value));
        }
    }
}
