package io.jenkins.plugins.containerbuild;

import com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey;
import com.cloudbees.plugins.credentials.CredentialsMatcher;
import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import java.util.function.Supplier;
import jenkins.authentication.tokens.api.AuthenticationTokens;
import org.jenkinsci.plugins.docker.commons.credentials.DockerRegistryToken;
import org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;

/**
 * The kinds of credentials the forms offer, each as the type and matcher its drop-down lists and its check looks
 * for, and the name its messages use. The matcher is made only when a list is made (for a user who may see it).
 */
enum CredentialsKind {

    /**
     * Registry logins: "Username with password", or anything docker-commons' {@code AuthenticationTokens} converts to
     * a {@link DockerRegistryToken} (the Amazon ECR and Google registry plugins' credentials).
     */
    REGISTRY(StandardCredentials.class, () -> CredentialsMatchers.anyOf(
            CredentialsMatchers.instanceOf(StandardUsernamePasswordCredentials.class),
            AuthenticationTokens.matcher(DockerRegistryToken.class))) {
        @Override
        String description() {
            return Messages.Credentials_RegistryType();
        }
    },

    /** Build secrets: "Secret text" or "Secret file". */
    SECRET(StandardCredentials.class, () -> CredentialsMatchers.anyOf(
            CredentialsMatchers.instanceOf(StringCredentials.class),
            CredentialsMatchers.instanceOf(FileCredentials.class))) {
        @Override
        String description() {
            return Messages.Credentials_SecretType();
        }
    },

    /** SSH forwarding: "SSH Username with private key". */
    SSH(SSHUserPrivateKey.class, CredentialsMatchers::always) {
        @Override
        String description() {
            return Messages.Credentials_SshType();
        }
    },

    /** A TLS client identity for a remote daemon: docker-commons' "X.509 Client Certificate". */
    CLIENT_CERTIFICATE(DockerServerCredentials.class, CredentialsMatchers::always) {
        @Override
        String description() {
            return Messages.Credentials_DockerServerType();
        }
    };

    private final Class<? extends StandardCredentials> type;
    private final Supplier<CredentialsMatcher> matcher;

    CredentialsKind(Class<? extends StandardCredentials> type, Supplier<CredentialsMatcher> matcher) {
        this.type = type;
        this.matcher = matcher;
    }

    Class<? extends StandardCredentials> type() {
        return type;
    }

    CredentialsMatcher matcher() {
        return matcher.get();
    }

    /** How messages name this kind, in the user's language. */
    abstract String description();
}
