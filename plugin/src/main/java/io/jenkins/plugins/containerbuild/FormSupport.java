package io.jenkins.plugins.containerbuild;

import com.cloudbees.plugins.credentials.CredentialsMatcher;
import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.CredentialsScope;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardListBoxModel;
import hudson.Util;
import hudson.model.Item;
import hudson.model.Queue;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import hudson.util.FormValidation;
import hudson.util.ListBoxModel;
import java.util.List;
import jenkins.model.Jenkins;
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
     * Whether the user may see the credentials of {@code item} (or, when null, the global ones) listed: per the
     * credentials consumer guide, who may read the configuration of the item ({@link Item#EXTENDED_READ}, implied by
     * {@link Item#CONFIGURE}) or use its credentials ({@link CredentialsProvider#USE_ITEM}); globally, administrators.
     */
    static boolean maySeeCredentials(Item item) {
        return item == null ? Jenkins.get().hasPermission(Jenkins.ADMINISTER)
                : item.hasPermission(Item.CONFIGURE) || item.hasPermission(Item.EXTENDED_READ)
                        || item.hasPermission(CredentialsProvider.USE_ITEM);
    }

    /**
     * The credentials of {@code kind} visible in {@code item} (or globally), listed as the job's authentication
     * (the system's globally), for a user who {@link #maySeeCredentials may see them}; only the current value for
     * anyone else. Globally, SYSTEM scope is left out ({@link #usableByBuilds}).
     */
    static ListBoxModel credentials(Item item, String current, CredentialsKind kind) {
        StandardListBoxModel result = new StandardListBoxModel();
        String value = current == null ? "" : current;
        if (!maySeeCredentials(item)) {
            return result.includeCurrentValue(value);
        }
        return result.includeEmptyValue()
                .includeMatchingAs(authentication(item), item, kind.type(), List.of(),
                        usableByBuilds(item, kind.matcher()))
                .includeCurrentValue(value);
    }

    static ListBoxModel registryCredentials(Item item, String current) {
        return credentials(item, current, CredentialsKind.REGISTRY);
    }

    static ListBoxModel secretCredentials(Item item, String current) {
        return credentials(item, current, CredentialsKind.SECRET);
    }

    static ListBoxModel sshCredentials(Item item, String current) {
        return credentials(item, current, CredentialsKind.SSH);
    }

    /**
     * The check of a credentials drop-down (consumer guide): for a user who may see the credentials, whether
     * credentials of {@code kind} with the id are visible in {@code item} (or globally), as the drop-down lists them;
     * nothing for anyone else. Lists ids and kinds only: no secret is read and no use is recorded.
     *
     * @param required whether the field must name credentials (an error when blank)
     */
    static FormValidation checkCredentials(Item item, String value, CredentialsKind kind, boolean required) {
        if (!maySeeCredentials(item)) {
            return FormValidation.ok();
        }
        String id = Util.fixEmptyAndTrim(value);
        if (id == null) {
            return required ? FormValidation.error(Messages.Credentials_Required(kind.description()))
                    : FormValidation.ok();
        }
        Authentication as = authentication(item);
        CredentialsMatcher withId = CredentialsMatchers.withId(id);
        if (!CredentialsProvider.listCredentialsInItem(kind.type(), item, as, List.of(),
                usableByBuilds(item, CredentialsMatchers.allOf(withId, kind.matcher()))).isEmpty()) {
            return FormValidation.ok();
        }
        if (item == null && !CredentialsProvider.listCredentialsInItem(kind.type(), null, as, List.of(),
                CredentialsMatchers.allOf(withId, CredentialsMatchers.withScope(CredentialsScope.SYSTEM))).isEmpty()) {
            return FormValidation.error(Messages.Credentials_SystemScope(id, kind.description()));
        }
        boolean otherKind = !CredentialsProvider.listCredentialsInItem(StandardCredentials.class, item, as, List.of(),
                withId).isEmpty();
        return FormValidation.error(otherKind ? Messages.Credentials_OtherKind(id, kind.description())
                : Messages.Credentials_NotVisible(id, kind.description()));
    }

    /**
     * {@code matcher}, restricted on the global page ({@code item} null) to what a build can read. There the
     * credentials API lists the Jenkins root, SYSTEM scope included, but a build looks the same id up with
     * {@code findCredentialById(id, type, run)}, in its job, where SYSTEM scope is never visible: offering such
     * credentials would pass every check and fail every build. In a job the API leaves SYSTEM scope out itself.
     */
    static CredentialsMatcher usableByBuilds(Item item, CredentialsMatcher matcher) {
        return item != null ? matcher : CredentialsMatchers.allOf(matcher,
                CredentialsMatchers.not(CredentialsMatchers.withScope(CredentialsScope.SYSTEM)));
    }

    private static Authentication authentication(Item item) {
        return item instanceof Queue.Task task ? Tasks.getAuthenticationOf2(task) : ACL.SYSTEM2;
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
