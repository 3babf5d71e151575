package io.jenkins.plugins.containerbuild;

import com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey;
import com.cloudbees.plugins.credentials.CredentialsMatcher;
import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.model.Item;
import hudson.model.Queue;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.util.List;
import java.util.function.Supplier;
import jenkins.authentication.tokens.api.AuthenticationTokens;
import jenkins.model.Jenkins;
import org.jenkinsci.plugins.docker.commons.credentials.DockerRegistryToken;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.springframework.security.core.Authentication;

/**
 * What the forms share: the permission checks (in a job, {@link Item#CONFIGURE}; on the global configuration
 * page, {@link Jenkins#ADMINISTER}) and the credentials drop-downs of the credentials consumer guide. Nothing here
 * saves anything.
 */
final class FormSupport {

    private FormSupport() {}

    /** Throws AccessDeniedException unless the user may configure {@code item} (or Jenkins, when null). */
    static void checkConfigure(Item item) {
        if (item == null) {
            Jenkins.get().checkPermission(Jenkins.ADMINISTER);
        } else {
            item.checkPermission(Item.CONFIGURE);
        }
    }

    /**
     * The credentials of {@code type} visible in {@code item} (or globally): all of them for a user who may
     * configure (or at least read the configuration of) the item, or administer Jenkins; only the current value
     * otherwise.
     */
    static ListBoxModel credentials(Item item, String current, Class<? extends StandardCredentials> type) {
        return credentials(item, current, type, CredentialsMatchers::always);
    }

    /**
     * Registry credentials: "Username with password", or anything docker-commons' {@code AuthenticationTokens}
     * converts to a {@link DockerRegistryToken} (the Amazon ECR and Google registry plugins' credentials).
     */
    static ListBoxModel registryCredentials(Item item, String current) {
        return credentials(item, current, StandardCredentials.class, () -> CredentialsMatchers.anyOf(
                CredentialsMatchers.instanceOf(StandardUsernamePasswordCredentials.class),
                AuthenticationTokens.matcher(DockerRegistryToken.class)));
    }

    /** Build secrets: "Secret text" or "Secret file". */
    static ListBoxModel secretCredentials(Item item, String current) {
        return credentials(item, current, StandardCredentials.class, () -> CredentialsMatchers.anyOf(
                CredentialsMatchers.instanceOf(StringCredentials.class),
                CredentialsMatchers.instanceOf(FileCredentials.class)));
    }

    /** SSH forwarding: "SSH Username with private key". */
    static ListBoxModel sshCredentials(Item item, String current) {
        return credentials(item, current, SSHUserPrivateKey.class, CredentialsMatchers::always);
    }

    /** @param matcher made only for a user who may see the list */
    private static ListBoxModel credentials(Item item, String current, Class<? extends StandardCredentials> type,
                                            Supplier<CredentialsMatcher> matcher) {
        StandardListBoxModel result = new StandardListBoxModel();
        String value = current == null ? "" : current;
        boolean allowed = item == null ? Jenkins.get().hasPermission(Jenkins.ADMINISTER)
                : item.hasPermission(Item.CONFIGURE) || item.hasPermission(Item.EXTENDED_READ);
        if (!allowed) {
            return result.includeCurrentValue(value);
        }
        Authentication as = item instanceof Queue.Task task ? Tasks.getAuthenticationOf2(task) : ACL.SYSTEM2;
        return result.includeEmptyValue()
                .includeMatchingAs(as, item, type, List.of(), matcher.get())
                .includeCurrentValue(value);
    }

    /** A check that runs {@code check} and turns its IllegalArgumentException into the form's error. */
    static FormValidation check(Runnable check) {
        try {
            check.run();
            return FormValidation.ok();
        } catch (IllegalArgumentException e) {
            return FormValidation.error(e.getMessage());
        }
    }
}
