package io.jenkins.plugins.containerbuild;

import com.cloudbees.plugins.credentials.CredentialsMatchers;
import com.cloudbees.plugins.credentials.CredentialsProvider;
import com.cloudbees.plugins.credentials.common.IdCredentials;
import com.cloudbees.plugins.credentials.common.StandardUsernamePasswordCredentials;
import hudson.AbortException;
import hudson.model.Item;
import hudson.model.Queue;
import hudson.model.Run;
import hudson.model.queue.Tasks;
import hudson.security.ACL;
import hudson.util.Secret;
import java.util.List;
import org.jenkinsci.plugins.docker.commons.credentials.DockerServerCredentials;
import org.springframework.security.core.Authentication;

/**
 * The one place where the plugin reads credentials: on the controller, in the context of the run (so the run's
 * authorisation and parameter expressions apply), with a message that names the expected kind when the id points
 * to another kind, and tracking of every use.
 */
final class CredentialsLookup {

    private CredentialsLookup() {}

    /** A registry login from "Username with password" credentials. */
    static RegistryLogin registryLogin(String id, Run<?, ?> run) throws AbortException {
        StandardUsernamePasswordCredentials c = find(id, StandardUsernamePasswordCredentials.class,
                Messages.Credentials_UsernamePasswordType(), run);
        return new RegistryLogin(c.getUsername(), c.getPassword().getPlainText());
    }

    /** A TLS client identity from docker-commons' "X.509 Client Certificate" credentials. */
    static ResolvedDaemon.TlsPem clientCertificate(String id, Run<?, ?> run) throws AbortException {
        return pem(id, find(id, DockerServerCredentials.class, Messages.Credentials_DockerServerType(), run));
    }

    /**
     * For the "Test connection" button: the client certificate {@code id} as visible in {@code item} (globally when
     * null), looked up as the job's authentication (or the system's), as the credentials drop-down lists them. Not
     * tracked: no build uses it.
     */
    static ResolvedDaemon.TlsPem clientCertificate(String id, Item item) throws AbortException {
        Authentication as = item instanceof Queue.Task task ? Tasks.getAuthenticationOf2(task) : ACL.SYSTEM2;
        DockerServerCredentials c = CredentialsMatchers.firstOrNull(
                CredentialsProvider.lookupCredentialsInItem(DockerServerCredentials.class, item, as, List.of()),
                CredentialsMatchers.withId(id));
        if (c == null) {
            throw new AbortException(Messages.Credentials_NotFound(id, Messages.Credentials_DockerServerType()));
        }
        return pem(id, c);
    }

    private static ResolvedDaemon.TlsPem pem(String id, DockerServerCredentials c) throws AbortException {
        Secret key = c.getClientKeySecret();
        String cert = c.getClientCertificate();
        String ca = c.getServerCaCertificate();
        if (key == null || cert == null || ca == null) {
            throw new AbortException(Messages.TcpDaemon_TlsIncomplete(id));
        }
        return new ResolvedDaemon.TlsPem(ca, cert, key.getPlainText());
    }

    static <C extends IdCredentials> C find(String id, Class<C> type, String typeName, Run<?, ?> run)
            throws AbortException {
        C c = CredentialsProvider.findCredentialById(id, type, run);
        if (c == null) {
            IdCredentials other = CredentialsProvider.findCredentialById(id, IdCredentials.class, run);
            if (other != null) {
                throw new AbortException(Messages.Credentials_WrongType(id, kindOf(other), typeName));
            }
            throw new AbortException(Messages.Credentials_NotFound(id, typeName));
        }
        CredentialsProvider.track(run, c);
        return c;
    }

    private static String kindOf(IdCredentials c) {
        return c.getClass().getSimpleName();
    }
}
