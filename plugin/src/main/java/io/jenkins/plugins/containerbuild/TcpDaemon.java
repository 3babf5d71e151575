package io.jenkins.plugins.containerbuild;

import hudson.AbortException;
import hudson.Extension;
import hudson.Util;
import hudson.model.Descriptor;
import hudson.model.Run;
import java.net.URI;
import org.jenkinsci.Symbol;
import org.kohsuke.stapler.DataBoundConstructor;
import org.kohsuke.stapler.DataBoundSetter;

/**
 * A remote daemon at {@code tcp://HOST:PORT}, authenticated with the TLS client certificate of an "X.509 Client
 * Certificate" credential (docker-commons). Without credentials only a loopback address is accepted.
 */
public final class TcpDaemon extends DaemonSpec {

    private final String uri;
    private String credentialsId;

    @DataBoundConstructor
    public TcpDaemon(String uri) {
        String u = Util.fixEmptyAndTrim(uri);
        URI parsed;
        try {
            parsed = u == null ? null : URI.create(u);
        } catch (IllegalArgumentException e) {
            parsed = null;
        }
        if (parsed == null || !"tcp".equals(parsed.getScheme()) || parsed.getHost() == null || parsed.getPort() < 0) {
            throw new IllegalArgumentException("Daemon address '" + uri + "' is not a TCP address: write it as tcp://HOST:PORT.");
        }
        this.uri = u;
    }

    /** {@code tcp://HOST:PORT}. */
    public String getUri() {
        return uri;
    }

    /** The id of the "X.509 Client Certificate" credentials; none for a plain loopback daemon. */
    public String getCredentialsId() {
        return credentialsId;
    }

    @DataBoundSetter
    public void setCredentialsId(String credentialsId) {
        this.credentialsId = Util.fixEmptyAndTrim(credentialsId);
    }

    @Override
    ResolvedDaemon resolve(Run<?, ?> run) throws AbortException {
        if (credentialsId == null) {
            return ResolvedDaemon.tcp(uri, null);
        }
        return ResolvedDaemon.tcp(uri, CredentialsLookup.clientCertificate(credentialsId, run));
    }

    @Extension
    @Symbol("tcp")
    public static final class DescriptorImpl extends Descriptor<DaemonSpec> {
        @Override
        public String getDisplayName() {
            return Messages.TcpDaemon_DisplayName();
        }
    }
}
