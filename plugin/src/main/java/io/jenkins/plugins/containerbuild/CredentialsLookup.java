package io.jenkins.plugins.containerbuild;

import com.cloudbees.jenkins.plugins.sshcredentials.SSHUserPrivateKey;
import com.cloudbees.plugins.credentials.CredentialsMatcher;
import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.common.StandardCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import hudson.Util;
import hudson.model.Item;
import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import hudson.util.Secret;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import jenkins.authentication.tokens.api.AuthenticationTokens;
import org.jenkinsci.plugins.docker.commons.credentials.DockerRegistryToken;
import org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials;
import org.jenkinsci.plugins.plaincredentials.FileCredentials;
import org.jenkinsci.plugins.plaincredentials.StringCredentials;
import org.springframework.security.core.Authentication;

/**
 * The one place where the plugin reads credentials: on the controller, in the context of the run (so the run's
 * authorisation and parameter expressions apply), with a message that names the expected kind when the id points
 * to another kind, and tracking of every use.
 */
final class CredentialsLookup {

    private CredentialsLookup() {}

    /**
     * A registry login from "Username with password" credentials, or from credentials that docker-commons'
     * {@link AuthenticationTokens} converts to a {@link DockerRegistryToken} (how the Amazon ECR and Google registry
     * plugins hand out registry logins): its token is the base64 of {@code user:password}.
     */
    static RegistryLogin registryLogin(String id, Run<?, ?> run) throws AbortException {
        StandardUsernamePasswordCredentials up =
                CredentialsProvider.findCredentialById(id, StandardUsernamePasswordCredentials.class, run);
        if (up != null) {
            CredentialsProvider.track(run, up);
            return new RegistryLogin(up.getUsername(), up.getPassword().getPlainText());
        }
        String kind = Messages.Credentials_RegistryType();
        StandardCredentials c = CredentialsProvider.findCredentialById(id, StandardCredentials.class, run);
        DockerRegistryToken token = c == null ? null : AuthenticationTokens.convert(DockerRegistryToken.class, c);
        if (token == null) {
            throw notFoundOrWrongType(id, kind, run);
        }
        CredentialsProvider.track(run, c);
        String userColonPassword;
        try {
            String t = token.getToken();
            userColonPassword = new String(Base64.getDecoder().decode(t == null ? "" : t.strip()), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new AbortException(Messages.Credentials_BadToken(id));
        }
        int colon = userColonPassword.indexOf(':');
        if (colon <= 0) {
            throw new AbortException(Messages.Credentials_BadToken(id));
        }
        return new RegistryLogin(userColonPassword.substring(0, colon), userColonPassword.substring(colon + 1));
    }

    /** A build secret's bytes: the text of "Secret text" credentials (UTF-8), the content of a "Secret file". */
    static byte[] secretBytes(String id, Run<?, ?> run) throws IOException {
        String kind = Messages.Credentials_SecretType();
        StandardCredentials c = CredentialsProvider.findCredentialById(id, StandardCredentials.class, run);
        byte[] bytes;
        if (c instanceof StringCredentials text) {
            bytes = text.getSecret().getPlainText().getBytes(StandardCharsets.UTF_8);
        } else if (c instanceof FileCredentials file) {
            try (InputStream in = file.getContent()) {
                bytes = in.readAllBytes();
            }
        } else if (c == null) {
            throw notFoundOrWrongType(id, kind, run);
        } else {
            throw new AbortException(Messages.Credentials_WrongType(id, kindOf(c), kind));
        }
        CredentialsProvider.track(run, c);
        return bytes;
    }

    /** The private keys (and their passphrase) of "SSH Username with private key" credentials. */
    static List<ResolvedInputs.KeyText> sshKeys(String id, Run<?, ?> run) throws AbortException {
        SSHUserPrivateKey c = find(id, SSHUserPrivateKey.class, Messages.Credentials_SshType(), run);
        Secret passphrase = c.getPassphrase();
        String p = passphrase == null ? null : passphrase.getPlainText();
        List<ResolvedInputs.KeyText> keys = new ArrayList<>();
        for (String key : c.getPrivateKeys()) {
            if (key != null && !key.isBlank()) {
                keys.add(new ResolvedInputs.KeyText(key, p == null || p.isEmpty() ? null : p));
            }
        }
        if (keys.isEmpty()) {
            throw new AbortException(Messages.Credentials_NoKeys(id));
        }
        return keys;
    }

    /** A TLS client identity from docker-commons' "X.509 Client Certificate" credentials. */
    static ResolvedDaemon.TlsPem clientCertificate(String id, Run<?, ?> run) throws AbortException {
        return pem(id, find(id, DockerServerCredentials.class, Messages.Credentials_DockerServerType(), run));
    }

    /**
     * For the "Test connection" button: the client certificate {@code id} as visible in {@code item} (globally when
     * null), looked up as the job's authentication (or the system's), as the credentials drop-down lists them: so
     * globally not in SYSTEM scope, which no build can read ({@link FormSupport#usableByBuilds}), and a message
     * that says so. Not tracked: no build uses it.
     */
    static ResolvedDaemon.TlsPem clientCertificate(String id, Item item) throws AbortException {
        Authentication as = item instanceof Queue.Task task ? Tasks.getAuthenticationOf2(task) : ACL.SYSTEM2;
        List<DockerServerCredentials> visible =
                CredentialsProvider.lookupCredentialsInItem(DockerServerCredentials.class, item, as, List.of());
        CredentialsMatcher withId = CredentialsMatchers.withId(id);
        DockerServerCredentials c = CredentialsMatchers.firstOrNull(visible, FormSupport.usableByBuilds(item, withId));
        if (c == null) {
            String kind = Messages.Credentials_DockerServerType();
            throw new AbortException(CredentialsMatchers.firstOrNull(visible, withId) != null
                    ? Messages.Credentials_SystemScope(id, kind) : Messages.Credentials_NotFound(id, kind));
        }
        return pem(id, c);
    }

    private static ResolvedDaemon.TlsPem pem(String id, DockerServerCredentials c) throws AbortException {
        Secret key = c.getClientKeySecret();
        String cert = c.getClientCertificate();
        // without a server CA (docker-commons allows that) the daemon is verified against the agent JVM's trust store
        String ca = Util.fixEmptyAndTrim(c.getServerCaCertificate());
        if (key == null || key.getPlainText().isBlank() || Util.fixEmptyAndTrim(cert) == null) {
            throw new AbortException(Messages.TcpDaemon_TlsIncomplete(id));
        }
        return new ResolvedDaemon.TlsPem(ca, cert, key.getPlainText());
    }

    static <C extends IdCredentials> C find(String id, Class<C> type, String typeName, Run<?, ?> run)
            throws AbortException {
        C c = CredentialsProvider.findCredentialById(id, type, run);
        if (c == null) {
            throw notFoundOrWrongType(id, typeName, run);
        }
        CredentialsProvider.track(run, c);
        return c;
    }

    /** Why credentials of the wanted kind are not there: another kind has the id, or nothing the build may use. */
    private static AbortException notFoundOrWrongType(String id, String typeName, Run<?, ?> run) {
        IdCredentials other = CredentialsProvider.findCredentialById(id, IdCredentials.class, run);
        if (other != null) {
            return new AbortException(Messages.Credentials_WrongType(id, kindOf(other), typeName));
        }
        return new AbortException(Messages.Credentials_NotFound(id, typeName));
    }

    private static String kindOf(IdCredentials c) {
        return c.getClass().getSimpleName();
    }
}
